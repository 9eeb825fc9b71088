using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;

namespace Rendezvous.Tests.Infrastructure;

/// <summary>Request bodies the tests send, written as clients write them.</summary>
public static class Requests
{
    public static string CreateAppointment(string subject, string start, string end, string extra = "", string invitations = "SendToNone", string folder = "<t:DistinguishedFolderId Id=\"calendar\"/>") =>
        $"""
        <m:CreateItem SendMeetingInvitations="{invitations}">
          <m:SavedItemFolderId>{folder}</m:SavedItemFolderId>
          <m:Items>
            <t:CalendarItem>
              <t:Subject>{subject}</t:Subject>
              {extra}
              <t:Start>{start}</t:Start>
              <t:End>{end}</t:End>
            </t:CalendarItem>
          </m:Items>
        </m:CreateItem>
        """;

    /// <summary>A meeting with required attendees, created the way most clients do (SendToAllAndSaveCopy by default).</summary>
    public static string CreateMeeting(string subject, IEnumerable<string> required, string start, string end, string extra = "", string invitations = "SendToAllAndSaveCopy", string? attendeeResponseType = null) =>
        $"""
        <m:CreateItem SendMeetingInvitations="{invitations}">
          <m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId>
          <m:Items>
            <t:CalendarItem>
              <t:Subject>{subject}</t:Subject>
              <t:Body BodyType="Text">Agenda</t:Body>
              <t:Start>{start}</t:Start>
              <t:End>{end}</t:End>
              <t:Location>Room 1</t:Location>
              <t:RequiredAttendees>{string.Concat(required.Select(a => $"<t:Attendee><t:Mailbox><t:EmailAddress>{a}</t:EmailAddress></t:Mailbox>{(attendeeResponseType is null ? "" : $"<t:ResponseType>{attendeeResponseType}</t:ResponseType>")}</t:Attendee>"))}</t:RequiredAttendees>
              {extra}
            </t:CalendarItem>
          </m:Items>
        </m:CreateItem>
        """;

    /// <summary>A meeting response (AcceptItem, TentativelyAcceptItem, DeclineItem) to the request <paramref name="referenceId"/>.</summary>
    public static string Respond(string kind, string referenceId, string? disposition = "SendAndSaveCopy", string extra = "") =>
        $"""
        <m:CreateItem{(disposition is null ? "" : $" MessageDisposition=\"{disposition}\"")}>
          <m:Items>
            <t:{kind}>
              <t:Body BodyType="Text">My answer</t:Body>
              <t:ReferenceItemId Id="{referenceId}"/>
              {extra}
            </t:{kind}>
          </m:Items>
        </m:CreateItem>
        """;

    public static string GetItem(string id, string shape = "AllProperties", string additional = "") =>
        $"""
        <m:GetItem>
          <m:ItemShape><t:BaseShape>{shape}</t:BaseShape>{(additional.Length > 0 ? $"<t:AdditionalProperties>{additional}</t:AdditionalProperties>" : "")}</m:ItemShape>
          <m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds>
        </m:GetItem>
        """;

    public static string FindItem(string view = "", string restriction = "", string sort = "", string folder = "calendar", string shape = "Default") =>
        $"""
        <m:FindItem Traversal="Shallow">
          <m:ItemShape><t:BaseShape>{shape}</t:BaseShape></m:ItemShape>
          {view}
          {(restriction.Length > 0 ? $"<m:Restriction>{restriction}</m:Restriction>" : "")}
          {(sort.Length > 0 ? $"<m:SortOrder>{sort}</m:SortOrder>" : "")}
          <m:ParentFolderIds><t:DistinguishedFolderId Id="{folder}"/></m:ParentFolderIds>
        </m:FindItem>
        """;

    public static string SetField(string id, string changeKey, string fieldUri, string value, string conflict = "AutoResolve", string element = "CalendarItem") =>
        $"""
        <m:UpdateItem ConflictResolution="{conflict}" SendMeetingInvitationsOrCancellations="SendToNone">
          <m:ItemChanges>
            <t:ItemChange>
              <t:ItemId Id="{id}"{(changeKey.Length > 0 ? $" ChangeKey=\"{changeKey}\"" : "")}/>
              <t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="{fieldUri}"/><t:{element}>{value}</t:{element}></t:SetItemField>
              </t:Updates>
            </t:ItemChange>
          </m:ItemChanges>
        </m:UpdateItem>
        """;
}

public static class Extensions
{
    /// <summary>The (Id, ChangeKey) of the first t:ItemId below the element.</summary>
    public static (string Id, string ChangeKey) ItemId(this XElement e)
    {
        var id = e.Descendants(EwsResponse.T + "ItemId").First();
        return ((string)id.Attribute("Id")!, (string)id.Attribute("ChangeKey")!);
    }

    /// <summary>The organizer's row for <paramref name="address"/> among a calendar item's attendees.</summary>
    public static XElement AttendeeRow(this XElement calendarItem, string address) =>
        Assert.Single(calendarItem.Descendants(EwsResponse.T + "Attendee"), a => a.Element(EwsResponse.T + "Mailbox")!.Element(EwsResponse.T + "EmailAddress")!.Value == address);

    /// <summary>The names of the response objects an item offers, in order.</summary>
    public static List<string> ResponseObjects(this XElement item) =>
        [.. item.Element(EwsResponse.T + "ResponseObjects")?.Elements().Select(e => e.Name.LocalName) ?? []];

    /// <summary>GetItem of one item as <paramref name="user"/>: the item element.</summary>
    public static async Task<XElement> GetItemAsync(this ServerFixture server, string user, string id, string version = "Exchange2013_SP1", string shape = "AllProperties", string additional = "") =>
        (await server.CallAsync(user, Requests.GetItem(id, shape, additional), version)).Ok().Element(EwsResponse.M + "Items")!.Elements().Single();

    public static string? T(this XElement e, string name) => e.Descendants(EwsResponse.T + name).FirstOrDefault()?.Value;

    public static async Task<(string Id, string ChangeKey)> CreateAppointmentAsync(this ServerFixture server, string user, string subject, string start = "2030-01-07T09:00:00Z", string end = "2030-01-07T10:00:00Z", string extra = "")
    {
        var response = await server.CallAsync(user, Requests.CreateAppointment(subject, start, end, extra));
        return response.Ok().ItemId();
    }
}
