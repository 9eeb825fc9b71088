using MimeKit;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime;

/// <summary>
/// An item's MimeContent, both ways: what GetItem returns for IncludeMimeContent and what CreateItem and UpdateItem
/// take. A calendar item is an iCalendar object (as Exchange 2010 and later give it, and as DavMail reads it: it hands
/// a CalendarItem's MimeContent straight to its iCalendar parser); a message an RFC 5322 message; a meeting message
/// an RFC 5322 message with a <c>text/calendar; method=...</c> part (iTIP, RFC 5546). Items in, bytes out and back:
/// no XML, no store.
/// </summary>
public static class MimeContent
{
    /// <summary>The CharacterSet Exchange writes on MimeContent.</summary>
    public const string CharacterSet = "UTF-8";

    /// <summary>The kinds whose MimeContent this server builds and reads (MS-OXWSCORE R2012: messages, posts and calendar items when setting).</summary>
    public static bool Supports(ItemKind kind) => kind is ItemKind.Message or ItemKind.CalendarItem or ItemKind.MeetingRequest
        or ItemKind.MeetingResponse or ItemKind.MeetingCancellation or ItemKind.PostItem or ItemKind.Item;

    /// <summary>The MimeContent of <paramref name="item"/>, built from its properties.</summary>
    public static byte[] Write(Item item) => item.Kind switch
    {
        ItemKind.CalendarItem => CalendarWriter.CalendarItem(item),
        _ => MessageWriter.Write(item),
    };

    /// <summary>
    /// Makes <paramref name="item"/>'s MimeContent ready to be written: null when its fields cannot make one (a library
    /// refusing a value), else what writes it to a stream. A message's attachments are MIME parts read from
    /// <paramref name="attachments"/> as they are written (a large one is never whole in memory); without it, or for a
    /// calendar item, they are left out. Note: a calendar item's iCalendar carries no file attachment: DavMail hands it
    /// to its CalDAV clients as it is (removing only ATTACH values naming a CID), so ATTACH;VALUE=BINARY would put every
    /// attachment's base64 into each event of every calendar listing; its files stay reachable by GetAttachment. Its
    /// reference attachments are links, and go as ATTACH URIs.
    /// </summary>
    public static Action<Stream>? TryPrepare(Item item, AttachmentParts.Source? attachments)
    {
        try
        {
            if (item.Kind == ItemKind.CalendarItem)
            {
                var bytes = CalendarWriter.CalendarItem(item);
                return stream => stream.Write(bytes);
            }

            var message = MessageWriter.Build(item, attachments, 0);
            return stream => message.WriteTo(FormatOptions.Default, stream);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The MimeContent of <paramref name="item"/>, or null when its fields cannot make one (a library refusing a value).</summary>
    public static byte[]? TryWrite(Item item)
    {
        try
        {
            return Write(item);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Sets the fields <paramref name="content"/> carries on <paramref name="item"/> (new or stored); times without a
    /// zone are read in <paramref name="floatingZone"/> (the request's TimeZoneContext), else UTC.
    /// </summary>
    /// <exception cref="DomainException">ErrorCode.MimeContentConversionFailed when the content cannot be read.</exception>
    /// <param name="attachments">
    /// Where a new message's attachment parts go (CreateItem), created as its attachments; null: the parts are not
    /// read (UpdateItem keeps the item's attachments as they are).
    /// </param>
    /// <param name="owner">
    /// The address of the mailbox's owner: a calendar item that is another organizer's meeting takes the owner's answer
    /// from their ATTENDEE's PARTSTAT; null: the answer is not read.
    /// </param>
    public static void Apply(Item item, byte[] content, string? floatingZone, MimeAttachments? attachments = null, string? owner = null)
    {
        // Not disposed: the attachment parts of a message parsed in place are read from it later (memory only).
        Apply(item, new MemoryStream(content, writable: false), floatingZone, attachments, owner);
    }

    /// <summary>
    /// As <see cref="Apply(Item, byte[], string?, MimeAttachments?, string?)"/>, from a seekable stream (a request's spool) that
    /// stays open while the new attachments are stored: a message is parsed in place, its parts decoded from it.
    /// </summary>
    public static void Apply(Item item, Stream content, string? floatingZone, MimeAttachments? attachments = null, string? owner = null)
    {
        try
        {
            switch (item.Kind)
            {
                case ItemKind.CalendarItem:
                    ApplyCalendar(item, content, floatingZone, attachments, owner);
                    break;
                case ItemKind.Message or ItemKind.PostItem or ItemKind.Item when attachments is not null:
                    var message = MessageReader.Parse(content, persistent: true);
                    MessageReader.Apply(item, message);
                    AttachmentParts.Read(message, attachments.Added, attachments.Now, null, attachments.Depth);
                    break;
                case ItemKind.Message or ItemKind.PostItem or ItemKind.Item:
                    MessageReader.Apply(item, MessageReader.Parse(content));
                    break;
                default:
                    throw Failed($"MimeContent cannot set a {item.Kind}; only messages, posts and calendar items take it.");
            }
        }
        catch (Exception e) when (e is not (DomainException or EwsException or OperationCanceledException or OutOfMemoryException))
        {
            // Whatever the libraries throw on bad input is the client's bad content, never a crash.
            throw Failed("The MimeContent could not be converted: " + Values.Excerpt(e.Message, oneLine: true), e);
        }
    }

    /// <summary>
    /// A calendar item's MimeContent: an iCalendar object (DavMail), or a MIME message holding one in a text/calendar
    /// part (an invitation as Outlook, Google or Thunderbird mail it). When <paramref name="attachments"/> is given
    /// (CreateItem), the VEVENT's ATTACH values and the message's other parts (files, attached messages) become the new
    /// item's attachments; the invitation's own calendar parts (text/calendar, Google's invite.ics) are the item itself.
    /// </summary>
    private static void ApplyCalendar(Item item, Stream content, string? floatingZone, MimeAttachments? attachments, string? owner)
    {
        if (!content.CanSeek)
        {
            var copy = new MemoryStream();
            content.CopyTo(copy);
            copy.Position = 0;
            content = copy;
        }

        var start = content.Position;
        var isCalendar = MessageReader.StartsWithCalendar(content);
        content.Position = start;
        if (isCalendar)
        {
            CalendarReader.Apply(item, MessageReader.CalendarText(ReadAll(content)), floatingZone, owner, attachments);
            return;
        }

        // Parsed in place: the attachment parts are decoded from the content when stored, never copied in between.
        var message = MessageReader.Parse(content, persistent: attachments is not null);
        CalendarReader.Apply(item, MessageReader.CalendarText(message), floatingZone, owner, attachments);
        if (attachments is not null)
        {
            AttachmentParts.Read(message, attachments.Added, attachments.Now, null, attachments.Depth, skipCalendars: true);
        }
    }

    private static byte[] ReadAll(Stream content)
    {
        if (content is MemoryStream memory)
        {
            return memory.ToArray();
        }

        using var copy = new MemoryStream();
        content.CopyTo(copy);
        return copy.ToArray();
    }

    internal static DomainException Failed(string message, Exception? inner = null) =>
        inner is null ? new DomainException(ErrorCode.MimeContentConversionFailed, message) : new DomainException(ErrorCode.MimeContentConversionFailed, message, inner);
}

/// <summary>
/// The attachments a new item's MimeContent brings (CreateItem): each new attachment in order (those inside an attached
/// message after it; the item's own have no ParentId). <see cref="Depth"/> is how deep in attached items the item is.
/// </summary>
public sealed class MimeAttachments(DateTime now, int depth)
{
    public DateTime Now => now;

    public int Depth => depth;

    public List<NewAttachment> Added { get; } = [];
}
