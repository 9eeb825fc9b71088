using System.Globalization;
using System.Text;

namespace Rendezvous.Bench.Load;

/// <summary>
/// The SOAP bodies the workloads send, written as clients write them (see tests/Rendezvous.Tests/Infrastructure/Requests.cs).
/// They are built once, before a run, and sent as bytes, so the generator spends nothing on them while it measures.
/// </summary>
internal static class Requests
{
    public const string Version = "Exchange2016";

    /// <summary>The ten properties getitem and calendarview ask for besides the id (what a calendar client shows).</summary>
    public static readonly string[] TenProperties =
    [
        "item:Subject", "item:Sensitivity", "calendar:Start", "calendar:End", "calendar:Location", "calendar:IsAllDayEvent",
        "calendar:LegacyFreeBusyStatus", "calendar:IsMeeting", "calendar:MyResponseType", "calendar:Organizer",
    ];

    public static readonly string TenPropertiesShape =
        "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        + string.Concat(TenProperties.Select(p => $"<t:FieldURI FieldURI=\"{p}\"/>"))
        + "</t:AdditionalProperties></m:ItemShape>";

    public static byte[] Envelope(string body) => Encoding.UTF8.GetBytes(
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
          <s:Header><t:RequestServerVersion Version="{Version}"/></s:Header>
          <s:Body>{body}</s:Body>
        </s:Envelope>
        """);

    public static string Utc(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string GetItemTenProperties(string id) =>
        $"""<m:GetItem>{TenPropertiesShape}<m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>""";

    public static string GetItemResponseObjects(string id) =>
        $"""<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:ResponseObjects"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>""";

    /// <summary>An organizer's meeting with its attendees (each row's ResponseType: is an answer tracked?).</summary>
    public static string GetItemAttendees(string id) =>
        $"""<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:RequiredAttendees"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>""";

    public static string CalendarView(DateTime start, DateTime end) =>
        $"""<m:FindItem Traversal="Shallow">{TenPropertiesShape}<m:CalendarView StartDate="{Utc(start)}" EndDate="{Utc(end)}"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>""";

    /// <summary>A CalendarView of the items' types only (what a calendar of series is checked by before it is measured).</summary>
    public static string CalendarViewTypes(DateTime start, DateTime end) =>
        $"""<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:CalendarItemType"/></t:AdditionalProperties></m:ItemShape><m:CalendarView StartDate="{Utc(start)}" EndDate="{Utc(end)}"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>""";

    /// <summary>A page of a folder's items, newest first, with their subjects.</summary>
    public static string FindPage(string distinguishedFolder, int offset, int max) =>
        $"""<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="{max}" Offset="{offset}" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="{distinguishedFolder}"/></m:ParentFolderIds></m:FindItem>""";

    /// <summary>A meeting as most clients create it: body, location, required attendees, SendToAllAndSaveCopy.</summary>
    public static string CreateMeeting(string subject, IEnumerable<string> attendees, DateTime start, DateTime end) =>
        $"""
        <m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
          <m:Items>
            <t:CalendarItem>
              <t:Subject>{subject}</t:Subject>
              <t:Body BodyType="Text">Agenda: the quarter, next steps, owners.</t:Body>
              <t:Start>{Utc(start)}</t:Start>
              <t:End>{Utc(end)}</t:End>
              <t:Location>Room 1</t:Location>
              <t:RequiredAttendees>{string.Concat(attendees.Select(a => $"<t:Attendee><t:Mailbox><t:EmailAddress>{a}</t:EmailAddress></t:Mailbox></t:Attendee>"))}</t:RequiredAttendees>
            </t:CalendarItem>
          </m:Items>
        </m:CreateItem>
        """;

    /// <summary>The attendee's answer with a new time: TentativelyAcceptItem with ProposedStart/End, sent with a copy kept.</summary>
    public static string ProposeNewTime(string requestId, DateTime start, DateTime end) =>
        $"""
        <m:CreateItem MessageDisposition="SendAndSaveCopy">
          <m:Items>
            <t:TentativelyAcceptItem>
              <t:Body BodyType="Text">Mornings are taken; would this time work?</t:Body>
              <t:ReferenceItemId Id="{requestId}"/>
              <t:ProposedStart>{Utc(start)}</t:ProposedStart>
              <t:ProposedEnd>{Utc(end)}</t:ProposedEnd>
            </t:TentativelyAcceptItem>
          </m:Items>
        </m:CreateItem>
        """;

    /// <summary>GetUserAvailability as Outlook's scheduling assistant asks: DetailedMerged, 30-minute intervals, no suggestions.</summary>
    public static string Availability(IEnumerable<string> mailboxes, DateTime start, DateTime end) =>
        $"""
        <m:GetUserAvailabilityRequest>
          <t:TimeZone><t:Bias>0</t:Bias><t:StandardTime><t:Bias>0</t:Bias><t:Time>00:00:00</t:Time><t:DayOrder>0</t:DayOrder><t:Month>0</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime><t:DaylightTime><t:Bias>0</t:Bias><t:Time>00:00:00</t:Time><t:DayOrder>0</t:DayOrder><t:Month>0</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:DaylightTime></t:TimeZone>
          <m:MailboxDataArray>{string.Concat(mailboxes.Select(m => $"<t:MailboxData><t:Email><t:Address>{m}</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType><t:ExcludeConflicts>false</t:ExcludeConflicts></t:MailboxData>"))}</m:MailboxDataArray>
          <t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>{start:yyyy-MM-dd'T'HH:mm:ss}</t:StartTime><t:EndTime>{end:yyyy-MM-dd'T'HH:mm:ss}</t:EndTime></t:TimeWindow><t:MergedFreeBusyIntervalInMinutes>30</t:MergedFreeBusyIntervalInMinutes><t:RequestedView>DetailedMerged</t:RequestedView></t:FreeBusyViewOptions>
        </m:GetUserAvailabilityRequest>
        """;

    public static string SyncFolderItems(string folderId, string? state, int max = 512) =>
        $"""<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="{folderId}"/></m:SyncFolderId>{(state is null ? "" : $"<m:SyncState>{state}</m:SyncState>")}<m:MaxChangesReturned>{max}</m:MaxChangesReturned></m:SyncFolderItems>""";

    public static string SetMessageSubject(string id, string subject) =>
        $"""<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="{id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>{subject}</t:Subject></t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>""";
}
