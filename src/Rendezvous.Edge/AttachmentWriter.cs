using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>Attachments in EWS: the headers an item lists, and one attachment whole (GetAttachment).</summary>
public static class AttachmentWriter
{
    /// <summary>item:Attachments: each attachment's header, in the item's order.</summary>
    public static void WriteHeaders(EwsWriter w, Item item, WriteContext context)
    {
        var root = context.AttachmentRootId ?? item.Id;
        w.StartT("Attachments");
        foreach (var attachment in item.Attachments!)
        {
            if (!Visible(attachment, context))
            {
                continue;
            }

            Start(w, attachment, root, context, rootIds: null);
            w.End();
        }

        w.End();
    }

    /// <summary>The first version whose schema has ReferenceAttachment (the EWS Managed API asks for Exchange2016; the schema of Exchange2015 has it).</summary>
    public const ExchangeVersion ReferenceAttachmentsSince = ExchangeVersion.Exchange2015;

    /// <summary>
    /// Whether the request's version has <paramref name="attachment"/>'s element: a reference attachment is left out
    /// of the answers to earlier versions, whose schema has no ReferenceAttachment (a strict client would refuse it).
    /// </summary>
    public static bool Visible(Attachment attachment, WriteContext context) =>
        attachment.Kind != AttachmentKind.Reference || context.Supports(ReferenceAttachmentsSince);

    /// <summary>Whether <paramref name="item"/> lists an attachment the request's version can be shown (no empty Attachments element otherwise).</summary>
    public static bool HasVisible(Item item, WriteContext context) => item.Attachments?.Exists(a => Visible(a, context)) == true;

    /// <summary>
    /// Starts the attachment's element and writes its header (AttachmentId, Name, ... IsInline; a file's IsContactPhoto
    /// when <paramref name="withFileTail"/>); the caller writes the content and ends it. <paramref name="rootIds"/>, when
    /// given, puts the root item's id and ChangeKey on the AttachmentId (CreateAttachment's answer).
    /// </summary>
    public static void Start(EwsWriter w, Attachment a, string rootItemId, WriteContext context, (string Id, long ChangeNumber)? rootIds, bool withFileTail = true)
    {
        w.StartT(a.Kind switch
        {
            AttachmentKind.Item => "ItemAttachment",
            AttachmentKind.Reference => "ReferenceAttachment",
            _ => "FileAttachment",
        });
        w.StartT("AttachmentId");
        w.Attr("Id", AttachmentIds.Encode(rootItemId, a.Id));
        if (rootIds is { } ids)
        {
            w.Attr("RootItemId", ids.Id);
            w.Attr("RootItemChangeKey", ChangeKeys.Encode(ids.ChangeNumber));
        }

        w.End();
        Optional(w, "Name", a.Name);
        Optional(w, "ContentType", a.ContentType);
        Optional(w, "ContentId", a.ContentId);
        Optional(w, "ContentLocation", a.ContentLocation);
        if (context.Supports(ExchangeVersion.Exchange2010))
        {
            w.T("Size", (int)Math.Min(int.MaxValue, a.Size));
            w.T("LastModifiedTime", a.LastModifiedTime);
            w.T("IsInline", a.IsInline);
            if (withFileTail && a.Kind == AttachmentKind.File && a.IsContactPhoto is { } photo)
            {
                w.T("IsContactPhoto", photo);
            }
        }

        if (a.Kind == AttachmentKind.Reference && a.Link is { } link)
        {
            // ReferenceAttachmentType's sequence, after AttachmentType's.
            Optional(w, "AttachLongPathName", link.AttachLongPathName);
            Optional(w, "ProviderType", link.ProviderType);
            Optional(w, "ProviderEndpointUrl", link.ProviderEndpointUrl);
            Optional(w, "AttachmentThumbnailUrl", link.AttachmentThumbnailUrl);
            Optional(w, "AttachmentPreviewUrl", link.AttachmentPreviewUrl);
            if (link.PermissionType is { } permission)
            {
                w.T("PermissionType", permission);
            }

            if (link.OriginalPermissionType is { } original)
            {
                w.T("OriginalPermissionType", original);
            }

            if (link.AttachmentIsFolder is { } folder)
            {
                w.T("AttachmentIsFolder", folder);
            }
        }
    }

    private static void Optional(EwsWriter w, string element, string? value)
    {
        if (value is not null)
        {
            w.T(element, value);
        }
    }

    /// <summary>
    /// A file attachment's Content, base64 written as the bytes are read from <paramref name="content"/> (a chunk at a
    /// time, so a large attachment is never one array or one string).
    /// </summary>
    public static void WriteContent(EwsWriter w, Stream content)
    {
        w.StartT("Content");
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(48 * 1024);
        try
        {
            int read;
            while ((read = content.Read(buffer, 0, buffer.Length)) > 0)
            {
                w.Xml.WriteBase64(buffer, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        w.End();
    }
}

/// <summary>A stream whose bytes are written as base64 text of an XML element, a chunk at a time.</summary>
internal sealed class Base64XmlStream(System.Xml.XmlWriter xml) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => xml.WriteBase64(buffer, offset, count);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
