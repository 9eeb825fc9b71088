using System.Text;
using MimeKit;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Mime;

/// <summary>Messages and meeting messages as RFC 5322 messages through MimeKit.</summary>
internal static class MessageWriter
{
    public static byte[] Write(Item item)
    {
        var message = Build(item, null, 0);
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return stream.ToArray();
    }

    /// <summary>
    /// The message of <paramref name="item"/>, its attachments as parts read from <paramref name="attachments"/> when
    /// given (their bytes only when written); <paramref name="depth"/> counts the attached items it is inside.
    /// </summary>
    public static MimeMessage Build(Item item, AttachmentParts.Source? attachments, int depth)
    {
        var message = new MimeMessage();
        // MimeKit stamps a new message with a Date and a Message-Id of its own: only the item's are written.
        message.Headers.Remove(HeaderId.MessageId);
        message.Headers.Remove(HeaderId.Date);
        if ((item.From ?? item.Sender) is { } from)
        {
            message.From.Add(Address(from));
        }

        if (item.Sender is { } sender && item.From is { } f && !sender.Is(f.Address))
        {
            message.Sender = Address(sender);
        }

        Add(message.To, item.ToRecipients);
        Add(message.Cc, item.CcRecipients);
        Add(message.Bcc, item.BccRecipients);
        Add(message.ReplyTo, item.ReplyTo);
        message.Subject = item.Subject ?? "";
        if ((item.DateTimeSent ?? (item.DateTimeCreated == default ? null : item.DateTimeCreated)) is { } date)
        {
            message.Date = new DateTimeOffset(DateTime.SpecifyKind(date, DateTimeKind.Utc));
        }

        // The ids as the item holds them: a client may have set any text (MimeKit's setters refuse what is not a
        // msg-id, and a GetItem must not fail for it); only line breaks are taken out, so no header is injected.
        if (item.InternetMessageId is { Length: > 0 } id)
        {
            message.Headers.Add(HeaderId.MessageId, OneLine(id));
        }

        if (item.InReplyTo is { Length: > 0 } inReplyTo)
        {
            message.Headers.Add(HeaderId.InReplyTo, OneLine(inReplyTo));
        }

        if (item.References is { Length: > 0 } references)
        {
            message.Headers.Add(HeaderId.References, OneLine(references));
        }

        switch (item.Importance)
        {
            case SchemaValues.ImportanceChoicesType.High:
                message.Importance = MessageImportance.High;
                message.Priority = MessagePriority.Urgent;
                break;
            case SchemaValues.ImportanceChoicesType.Low:
                message.Importance = MessageImportance.Low;
                message.Priority = MessagePriority.NonUrgent;
                break;
            default:
                break;
        }

        if (item.Sensitivity is { } sensitivity && sensitivity != SchemaValues.SensitivityChoicesType.Normal)
        {
            message.Headers.Add("Sensitivity", sensitivity == SchemaValues.SensitivityChoicesType.Confidential ? "Company-Confidential" : sensitivity);
        }

        MimeEntity body = BodyPart(item.Body);
        if (CalendarWriter.MethodOf(item) is { } method)
        {
            // Note: Exchange marks meeting messages with this Content-class, which DavMail and Outlook look for (MimeKit keeps
            // Content-* headers with the body entity; they are written among the top-level headers all the same).
            message.Headers.Add("Content-class", "urn:content-classes:calendarmessage");
            var calendar = new TextPart("calendar") { ContentTransferEncoding = ContentEncoding.Base64 };
            calendar.SetText(Encoding.UTF8, CalendarWriter.Text(item, method));
            calendar.ContentType.Parameters.Add("method", method);
            body = new MultipartAlternative { body, calendar };
        }

        // Only the text is prepared: preparing the attachment parts would read their bytes to choose an encoding
        // (they are base64 already, read from the store only as the message is written).
        body.Prepare(EncodingConstraint.SevenBit);
        message.Body = attachments is null ? body : AttachmentParts.Wrap(body, item, attachments, depth);
        return message;
    }

    private static TextPart BodyPart(Body? body)
    {
        var html = body?.BodyType == SchemaValues.BodyTypeType.HTML;
        var part = new TextPart(html ? "html" : "plain");
        part.SetText(Encoding.UTF8, body?.Text ?? "");
        return part;
    }

    private static void Add(InternetAddressList list, List<EmailAddress>? addresses)
    {
        foreach (var a in addresses ?? [])
        {
            list.Add(Address(a));
        }
    }

    private static MailboxAddress Address(EmailAddress a) => new(a.Name ?? "", a.Address);

    private static string OneLine(string value) => value.ReplaceLineEndings(" ").Trim();
}
