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
    public static void Apply(Item item, byte[] content, string? floatingZone)
    {
        try
        {
            switch (item.Kind)
            {
                case ItemKind.CalendarItem:
                    CalendarReader.Apply(item, MessageReader.CalendarText(content), floatingZone);
                    break;
                case ItemKind.Message or ItemKind.PostItem or ItemKind.Item:
                    MessageReader.Apply(item, content);
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

    internal static DomainException Failed(string message, Exception? inner = null) =>
        inner is null ? new DomainException(ErrorCode.MimeContentConversionFailed, message) : new DomainException(ErrorCode.MimeContentConversionFailed, message, inner);
}
