using System.Text;
using MimeKit;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime;

/// <summary>RFC 5322 messages read through MimeKit into a message's fields.</summary>
internal static class MessageReader
{
    /// <summary>Deep enough for any real message (a forward of a forward of a signed message), never a stack's worth.</summary>
    private const int MaxMimeDepth = 32;

    private static readonly ParserOptions Options = new() { MaxMimeDepth = MaxMimeDepth };

    /// <summary>
    /// The message <paramref name="content"/> holds. <paramref name="persistent"/> leaves the parts' contents in
    /// <paramref name="content"/> itself (read from there when decoded) instead of copying each of them.
    /// </summary>
    public static MimeMessage Parse(byte[] content, bool persistent = false) => Parse(new MemoryStream(content, writable: false), persistent);

    /// <summary>The message <paramref name="content"/> holds; <paramref name="persistent"/>: see the byte[] overload (the stream must then stay open).</summary>
    public static MimeMessage Parse(Stream content, bool persistent = false)
    {
        var message = MimeMessage.Load(Options, content, persistent);
        if (message.Headers.Count == 0)
        {
            throw MimeContent.Failed("The MimeContent is not an RFC 5322 message: it has no header fields.");
        }

        return message;
    }

    /// <summary>
    /// The iCalendar text of a calendar item's MimeContent: the content itself when it is an iCalendar object (what
    /// DavMail sends), else the first text/calendar part of the MIME message it is (what Outlook and Exchange send).
    /// </summary>
    public static string CalendarText(byte[] content)
    {
        var text = StartsWithCalendar(content) ? Encoding.UTF8.GetString(content) : null;
        if (text is not null)
        {
            return text;
        }

        return CalendarText(Parse(content));
    }

    /// <summary>The first text/calendar part of <paramref name="message"/>, as text.</summary>
    public static string CalendarText(MimeMessage message)
    {
        var part = (message.Body as TextPart) is { } single && IsCalendar(single)
            ? single
            : message.BodyParts.OfType<TextPart>().FirstOrDefault(IsCalendar);
        return part?.Text ?? throw MimeContent.Failed("The MimeContent holds no iCalendar object (no BEGIN:VCALENDAR, no text/calendar part).");

        static bool IsCalendar(TextPart p) => p.ContentType.IsMimeType("text", "calendar");
    }

    /// <summary>Whether the seekable <paramref name="content"/> starts (at its position) with BEGIN:VCALENDAR; the position moves.</summary>
    public static bool StartsWithCalendar(Stream content)
    {
        // Enough for a byte order mark, some blank lines and the marker.
        var head = new byte[256];
        var read = 0;
        int n;
        while (read < head.Length && (n = content.Read(head, read, head.Length - read)) > 0)
        {
            read += n;
        }

        return StartsWithCalendar(head.AsSpan(0, read).ToArray());
    }

    private static bool StartsWithCalendar(byte[] content)
    {
        var start = 0;
        if (content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF)
        {
            start = 3;
        }

        while (start < content.Length && content[start] is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t')
        {
            start++;
        }

        var marker = "BEGIN:VCALENDAR"u8;
        return content.Length - start >= marker.Length
            && Encoding.ASCII.GetString(content, start, marker.Length).Equals("BEGIN:VCALENDAR", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A message's fields from RFC 5322 (Thunderbird saves drafts and sent copies this way; an attached message/rfc822 too).</summary>
    public static void Apply(Item item, MimeMessage message)
    {
        item.Subject = message.Subject ?? item.Subject;
        if (Mailboxes(message.From).FirstOrDefault() is { } from)
        {
            item.From = from;
        }

        if (message.Sender is { } sender)
        {
            item.Sender = Mailbox(sender);
        }

        Set(message.To, v => item.ToRecipients = v);
        Set(message.Cc, v => item.CcRecipients = v);
        Set(message.Bcc, v => item.BccRecipients = v);
        Set(message.ReplyTo, v => item.ReplyTo = v);
        if (message.MessageId is { Length: > 0 } id)
        {
            item.InternetMessageId = "<" + id + ">";
        }

        if (message.InReplyTo is { Length: > 0 } inReplyTo)
        {
            item.InReplyTo = "<" + inReplyTo + ">";
        }

        if (message.References.Count > 0)
        {
            item.References = string.Join(" ", message.References.Select(r => "<" + r + ">"));
        }

        if (message.Headers.Contains(HeaderId.Date) && message.Date != DateTimeOffset.MinValue)
        {
            var sent = message.Date.UtcDateTime;
            if (sent >= Values.EarliestStored && sent <= Values.LatestStored)
            {
                item.DateTimeSent = sent;
            }
        }

        var importance = message.Headers.Contains(HeaderId.Importance) ? message.Importance : message.Headers.Contains(HeaderId.XPriority) ? FromXPriority(message.XPriority) : (MessageImportance?)null;
        if (importance is { } i)
        {
            item.Importance = i switch
            {
                MessageImportance.High => SchemaValues.ImportanceChoicesType.High,
                MessageImportance.Low => SchemaValues.ImportanceChoicesType.Low,
                _ => SchemaValues.ImportanceChoicesType.Normal,
            };
        }

        if (message.Headers[HeaderId.Sensitivity] is { } sensitivity)
        {
            item.Sensitivity = sensitivity.Trim().ToUpperInvariant() switch
            {
                "PERSONAL" => SchemaValues.SensitivityChoicesType.Personal,
                "PRIVATE" => SchemaValues.SensitivityChoicesType.Private,
                "COMPANY-CONFIDENTIAL" => SchemaValues.SensitivityChoicesType.Confidential,
                _ => item.Sensitivity,
            };
        }

        if (message.HtmlBody is { } html)
        {
            item.Body = new Body(SchemaValues.BodyTypeType.HTML, html);
        }
        else if (message.TextBody is { } text)
        {
            item.Body = new Body(SchemaValues.BodyTypeType.Text, text);
        }
    }

    private static MessageImportance FromXPriority(XMessagePriority priority) => priority switch
    {
        XMessagePriority.Highest or XMessagePriority.High => MessageImportance.High,
        XMessagePriority.Low or XMessagePriority.Lowest => MessageImportance.Low,
        _ => MessageImportance.Normal,
    };

    private static void Set(InternetAddressList list, Action<List<EmailAddress>> set)
    {
        var addresses = Mailboxes(list).ToList();
        if (addresses.Count > 0)
        {
            set(addresses);
        }
    }

    /// <summary>The mailboxes of a list, groups flattened; each is checked as every address a client names is.</summary>
    private static IEnumerable<EmailAddress> Mailboxes(InternetAddressList list) => list.Mailboxes.Select(Mailbox);

    private static EmailAddress Mailbox(MailboxAddress m) =>
        new(string.IsNullOrEmpty(m.Name) ? null : m.Name, AddressRules.Require(m.Address, "SMTP"));
}
