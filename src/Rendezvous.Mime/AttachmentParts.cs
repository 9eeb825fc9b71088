using MimeKit;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime;

/// <summary>
/// A message's attachments as MIME parts, both ways (issue 15 §3 and §4), laid out as Exchange, Outlook and
/// Thunderbird lay them out: multipart/mixed holding the body (in multipart/related with the inline parts, which
/// carry their Content-ID) and then each attachment, a file as a base64 part with its name, an item as a
/// message/rfc822 part holding that item's own message.
/// </summary>
public static class AttachmentParts
{
    /// <summary>Exchange refuses an item with more than ten levels of attached items.</summary>
    public const int MaxNesting = 10;

    /// <summary>Where a written message's attachments come from: the stored attachments of the root item <paramref name="RootItemId"/>.</summary>
    public sealed record Source(IAttachmentSource Attachments, string RootItemId);

    /// <summary><paramref name="body"/> with <paramref name="item"/>'s attachments around it (the body alone when it has none).</summary>
    internal static MimeEntity Wrap(MimeEntity body, Item item, Source source, int depth)
    {
        if (item.Attachments is not { Count: > 0 } attachments)
        {
            return body;
        }

        var root = body;
        var inline = attachments.Where(static a => a.Kind == AttachmentKind.File && a.IsInline).ToList();
        if (inline.Count > 0)
        {
            var related = new MultipartRelated { body };
            foreach (var a in inline)
            {
                related.Add(FilePart(a, source, inline: true));
            }

            root = related;
        }

        // A reference attachment is a link with no bytes: no part (MIME has no standard for it).
        var others = attachments.Where(static a => !(a.Kind == AttachmentKind.File && a.IsInline) && a.Kind != AttachmentKind.Reference).ToList();
        if (others.Count == 0)
        {
            return root;
        }

        var mixed = new Multipart("mixed") { root };
        foreach (var a in others)
        {
            if (a.Kind == AttachmentKind.File)
            {
                mixed.Add(FilePart(a, source, inline: false));
            }
            else if (a.Kind == AttachmentKind.Item && depth < MaxNesting && source.Attachments.AttachedItem(source.RootItemId, a.Id) is { } attached)
            {
                var part = new MessagePart("rfc822") { Message = MessageWriter.Build(attached, source, depth + 1) };
                part.ContentDisposition = new ContentDisposition(ContentDisposition.Attachment);
                if (a.Name is { Length: > 0 } name)
                {
                    part.ContentDisposition.FileName = OneLine(name);
                }

                mixed.Add(part);
            }
        }

        return mixed;
    }

    /// <summary>A file attachment as a base64 part whose bytes are read from the store only when the part is written.</summary>
    private static MimePart FilePart(Attachment a, Source source, bool inline)
    {
        var type = a.ContentType is { Length: > 0 } given && ContentType.TryParse(given, out var parsed) ? parsed : new ContentType("application", "octet-stream");
        var bytes = new LazyStream(a.Size, () => source.Attachments.OpenFile(source.RootItemId, a.Id) ?? Stream.Null);
        var part = new MimePart(type)
        {
            Content = new MimeKit.MimeContent(bytes),
            ContentTransferEncoding = ContentEncoding.Base64,
            ContentDisposition = new ContentDisposition(inline ? ContentDisposition.Inline : ContentDisposition.Attachment) { Size = a.Size },
        };
        if (a.Name is { Length: > 0 } name)
        {
            part.FileName = OneLine(name);
        }

        if (a.ContentId is { Length: > 0 } cid)
        {
            // The id as a client set it (any text): only line breaks are taken out, so no header is injected.
            part.Headers[HeaderId.ContentId] = "<" + OneLine(cid).Trim('<', '>') + ">";
        }

        if (a.ContentLocation is { Length: > 0 } location && Uri.TryCreate(location, UriKind.RelativeOrAbsolute, out var uri))
        {
            part.ContentLocation = uri;
        }

        return part;
    }

    private static string OneLine(string value) => value.ReplaceLineEndings(" ").Trim();

    /// <summary>
    /// The attachments of a message read from MIME, added to <paramref name="into"/> (each followed by those inside it),
    /// the direct ones with <paramref name="parentId"/>; returns the headers of the direct ones. Every part that is not
    /// the body is an attachment: a message/rfc822 part an item attachment, any other a file (inline when its
    /// disposition says so, or when it has none inside multipart/related).
    /// </summary>
    /// <param name="skipCalendars">
    /// Leave out the parts that carry an iCalendar object (text/calendar, application/ics: Google attaches its invitation
    /// again as invite.ics): a calendar item made from the message is that object.
    /// </param>
    internal static List<Attachment> Read(MimeMessage message, List<NewAttachment> into, DateTime now, string? parentId, int depth, bool skipCalendars = false)
    {
        var direct = new List<Attachment>();
        Walk(message.Body, related: false);
        return direct;

        void Walk(MimeEntity? entity, bool related)
        {
            switch (entity)
            {
                case Multipart multipart:
                    var isRelated = multipart.ContentType.IsMimeType("multipart", "related");
                    foreach (var child in multipart)
                    {
                        Walk(child, isRelated);
                    }

                    break;
                case MessagePart { Message: { } attached } part:
                    direct.Add(ReadItem(attached, part, into, now, parentId, depth));
                    break;
                case MimePart part when skipCalendars && (part.ContentType.IsMimeType("text", "calendar") || part.ContentType.IsMimeType("application", "ics")):
                    break;
                case MimePart part when !IsBody(part):
                    direct.Add(ReadFile(part, into, now, parentId, related));
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>The text the message's body is read from (MimeKit's TextBody and HtmlBody), and an iTIP part: not attachments.</summary>
    private static bool IsBody(MimePart part) =>
        part is TextPart text && !text.IsAttachment && text.FileName is null && (text.IsPlain || text.IsHtml || text.ContentType.IsMimeType("text", "calendar"));

    private static Attachment ReadFile(MimePart part, List<NewAttachment> into, DateTime now, string? parentId, bool related)
    {
        var length = DecodedLength(part);
        var disposition = part.ContentDisposition?.Disposition;
        var header = new Attachment(Attachment.NewId(), AttachmentKind.File)
        {
            Name = part.FileName,
            ContentType = part.ContentType.MimeType,
            ContentId = part.ContentId,
            ContentLocation = part.ContentLocation?.OriginalString,
            IsInline = disposition is null ? related && part.ContentId is not null : disposition.Equals(ContentDisposition.Inline, StringComparison.OrdinalIgnoreCase),
            Size = length,
            LastModifiedTime = now,
            ParentId = parentId,
        };
        // Decoded again when stored, from the parsed message's own buffer: never a copy of the bytes in between.
        into.Add(new NewAttachment(header, AttachmentContent.Bytes(length, () => part.Content?.Open() ?? Stream.Null)));
        return header;
    }

    private static Attachment ReadItem(MimeMessage attached, MessagePart part, List<NewAttachment> into, DateTime now, string? parentId, int depth)
    {
        if (depth >= MaxNesting)
        {
            throw new EwsException(ResponseCodes.ErrorAttachmentNestLevelLimitExceeded, $"Attached items may be nested at most {MaxNesting} levels deep.");
        }

        var item = new Item { Kind = ItemKind.Message, ItemClass = "IPM.Note" };
        MessageReader.Apply(item, attached);
        item.DateTimeCreated = now;
        item.LastModifiedTime = now;
        var id = Attachment.NewId();
        var inner = new List<NewAttachment>();
        item.Attachments = Read(attached, inner, now, id, depth + 1);
        var header = new Attachment(id, AttachmentKind.Item)
        {
            Name = part.ContentDisposition?.FileName ?? item.Subject,
            Size = item.Size,
            ItemKind = ItemKind.Message,
            LastModifiedTime = now,
            ParentId = parentId,
        };
        into.Add(new NewAttachment(header, AttachmentContent.Of(item)));
        into.AddRange(inner);
        return header;
    }

    /// <summary>The bytes a part decodes to, counted without keeping them.</summary>
    private static long DecodedLength(MimePart part)
    {
        if (part.Content is null)
        {
            return 0;
        }

        using var counter = new CountingStream();
        part.Content.DecodeTo(counter);
        return counter.Length;
    }

    /// <summary>A sink that only counts what is written to it.</summary>
    private sealed class CountingStream : Stream
    {
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => length += buffer.Length;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>
    /// A stream opened on first read (MimeKit asks for a seekable stream and rewinds it before writing the part), so
    /// that of a message's attachments one at most is open at a time, and closed once read to its end.
    /// </summary>
    private sealed class LazyStream(long length, Func<Stream> open) : Stream
    {
        private Stream? inner;
        private long position;
        private bool ended;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => position; set => Seek(value, SeekOrigin.Begin); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (ended || buffer.Length == 0)
            {
                return 0;
            }

            inner ??= open();
            var read = inner.Read(buffer);
            position += read;
            if (read == 0)
            {
                // Read whole: the store's blob (and its hold on the snapshot's pages) goes now, not at the response's end.
                ended = true;
                Close(ref inner);
            }

            return read;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            var target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => position + offset,
                _ => length + offset,
            };
            if (target == position)
            {
                return position;
            }

            if (target != 0)
            {
                throw new NotSupportedException("An attachment's bytes are read from the start only.");
            }

            // Back to the start: opened again when next read.
            Close(ref inner);
            ended = false;
            position = 0;
            return 0;
        }

        private static void Close(ref Stream? stream)
        {
            stream?.Dispose();
            stream = null;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Close(ref inner);
            }

            base.Dispose(disposing);
        }
    }
}
