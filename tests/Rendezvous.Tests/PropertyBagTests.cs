using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Items as a property bag keyed by property (issue 14 §3): a schema element that is a MAPI property is one value
/// whatever path a client names it by, in GetItem, UpdateItem, restrictions and sorting, as in Exchange.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class PropertyBagTests(ServerFixture server)
{
    private const string User = ServerFixture.Carol;

    private const string SubjectTag = "<t:ExtendedFieldURI PropertyTag=\"0x0037\" PropertyType=\"String\"/>";

    private const string LocationId = "<t:ExtendedFieldURI DistinguishedPropertySetId=\"Appointment\" PropertyId=\"33288\" PropertyType=\"String\"/>";

    private static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    private static string SetExtended(string id, string changeKey, string uri, string value, string element = "CalendarItem") =>
        $"""
        <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToNone">
          <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/><t:Updates>
            <t:SetItemField>{uri}<t:{element}><t:ExtendedProperty>{uri}<t:Value>{value}</t:Value></t:ExtendedProperty></t:{element}></t:SetItemField>
          </t:Updates></t:ItemChange></m:ItemChanges>
        </m:UpdateItem>
        """;

    [Theory]
    [InlineData("0x37")]
    [InlineData("0x0037")]
    [InlineData("55")]
    public async Task The_subject_and_PropertyTag_0x0037_are_one_value_whatever_form_the_tag_takes(string tag)
    {
        var subject = Unique("mapi");
        var (id, _) = await server.CreateAppointmentAsync(User, subject);
        var read = (await server.CallAsync(User, Requests.GetItem(id, "IdOnly", $"<t:ExtendedFieldURI PropertyTag=\"{tag}\" PropertyType=\"String\"/>"))).Ok();
        var property = read.Descendants(EwsResponse.T + "ExtendedProperty").Single();
        Assert.Equal(subject, property.T("Value"));
        // Exchange echoes the path in the form the client asked for.
        Assert.Equal(tag, property.Element(EwsResponse.T + "ExtendedFieldURI")!.Attribute("PropertyTag")!.Value);
    }

    [Fact]
    public async Task Setting_PropertyTag_0x0037_sets_the_subject_and_deleting_it_deletes_the_subject()
    {
        var (id, key) = await server.CreateAppointmentAsync(User, Unique("before"));
        var renamed = Unique("after");
        var (_, newKey) = (await server.CallAsync(User, SetExtended(id, key, SubjectTag, renamed))).Ok().ItemId();
        var item = (await server.CallAsync(User, Requests.GetItem(id))).Ok();
        Assert.Equal(renamed, item.T("Subject"));
        // One value: the bag holds no second copy as an extended property.
        Assert.Empty((await server.CallAsync(User, Requests.GetItem(id))).Ok().Descendants(EwsResponse.T + "ExtendedProperty"));

        await server.CallAsync(User, $"""
            <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToNone">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{newKey}"/><t:Updates>
                <t:DeleteItemField>{SubjectTag}</t:DeleteItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """);
        Assert.Null((await server.CallAsync(User, Requests.GetItem(id))).Ok().T("Subject"));
    }

    [Fact]
    public async Task A_subject_given_as_PropertyTag_0x0037_on_CreateItem_is_the_item_subject()
    {
        var subject = Unique("created-by-tag");
        var response = (await server.CallAsync(User, Requests.CreateAppointment("ignored", "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z",
            $"<t:ExtendedProperty>{SubjectTag}<t:Value>{subject}</t:Value></t:ExtendedProperty>"))).Ok();
        var (id, _) = response.ItemId();
        Assert.Equal(subject, (await server.CallAsync(User, Requests.GetItem(id))).Ok().T("Subject"));
    }

    [Fact]
    public async Task The_location_and_PidLidLocation_are_one_value_in_reads_updates_restrictions_and_sorts()
    {
        var tag = Unique("loc");
        var (a, keyA) = await server.CreateAppointmentAsync(User, tag + " a", extra: "<t:Location>Lyon</t:Location>");
        await server.CreateAppointmentAsync(User, tag + " b", extra: "<t:Location>Annecy</t:Location>");

        var read = (await server.CallAsync(User, Requests.GetItem(a, "IdOnly", LocationId))).Ok();
        Assert.Equal("Lyon", read.Descendants(EwsResponse.T + "ExtendedProperty").Single().T("Value"));

        var mine = $"<t:Contains ContainmentMode=\"Prefixed\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";
        var filtered = (await server.CallAsync(User, Requests.FindItem(restriction: $"<t:And>{mine}<t:IsEqualTo>{LocationId}<t:FieldURIOrConstant><t:Constant Value=\"Annecy\"/></t:FieldURIOrConstant></t:IsEqualTo></t:And>"))).Ok();
        Assert.Equal([tag + " b"], filtered.Descendants(EwsResponse.T + "Subject").Select(s => s.Value));
        var sorted = (await server.CallAsync(User, Requests.FindItem(restriction: mine, sort: $"<t:FieldOrder Order=\"Ascending\">{LocationId}</t:FieldOrder>"))).Ok();
        Assert.Equal([tag + " b", tag + " a"], sorted.Descendants(EwsResponse.T + "Subject").Select(s => s.Value));
        var bySubjectTag = (await server.CallAsync(User, Requests.FindItem(restriction: $"<t:IsEqualTo>{SubjectTag}<t:FieldURIOrConstant><t:Constant Value=\"{tag} a\"/></t:FieldURIOrConstant></t:IsEqualTo>"))).Ok();
        Assert.Equal([tag + " a"], bySubjectTag.Descendants(EwsResponse.T + "Subject").Select(s => s.Value));

        (await server.CallAsync(User, SetExtended(a, keyA, LocationId, "Grenoble"))).Ok();
        Assert.Equal("Grenoble", (await server.CallAsync(User, Requests.GetItem(a))).Ok().T("Location"));
    }

    [Fact]
    public async Task Integer_and_time_MAPI_forms_read_the_element_values()
    {
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("forms"), extra: "<t:Importance>High</t:Importance><t:Sensitivity>Private</t:Sensitivity>");
        var read = (await server.CallAsync(User, Requests.GetItem(id, "IdOnly",
            "<t:ExtendedFieldURI PropertyTag=\"0x0017\" PropertyType=\"Integer\"/>"
            + "<t:ExtendedFieldURI PropertyTag=\"0x0036\" PropertyType=\"Integer\"/>"
            + "<t:ExtendedFieldURI DistinguishedPropertySetId=\"Appointment\" PropertyId=\"33293\" PropertyType=\"SystemTime\"/>"
            + "<t:ExtendedFieldURI DistinguishedPropertySetId=\"Appointment\" PropertyId=\"33315\" PropertyType=\"Boolean\"/>"
            + "<t:ExtendedFieldURI DistinguishedPropertySetId=\"Appointment\" PropertyId=\"33285\" PropertyType=\"Integer\"/>"))).Ok();
        Assert.Equal(["2", "2", "2030-01-07T09:00:00Z", "false", "2"], read.Descendants(EwsResponse.T + "ExtendedProperty").Select(p => p.T("Value")));
    }

    [Fact]
    public async Task A_read_only_element_named_by_its_MAPI_tag_still_refuses_a_write()
    {
        var (id, key) = await server.CreateAppointmentAsync(User, Unique("ro"));
        var response = await server.CallAsync(User, SetExtended(id, key, "<t:ExtendedFieldURI PropertyTag=\"0x3008\" PropertyType=\"SystemTime\"/>", "2030-01-01T00:00:00Z"));
        Assert.Equal("ErrorInvalidPropertySet", response.Code());
    }

    [Fact]
    public async Task An_extended_property_that_maps_to_no_element_stays_an_extended_property()
    {
        // PidTagInternetArticleNumber (0x0E23) has no schema element: it is kept and returned as given.
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("article"), extra:
            "<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag=\"0x0E23\" PropertyType=\"Integer\"/><t:Value>42</t:Value></t:ExtendedProperty>");
        var read = (await server.CallAsync(User, Requests.GetItem(id, "IdOnly", "<t:ExtendedFieldURI PropertyTag=\"0x0E23\" PropertyType=\"Integer\"/>"))).Ok();
        Assert.Equal("42", read.Descendants(EwsResponse.T + "ExtendedProperty").Single().T("Value"));
    }

    public static TheoryData<string, string, string> EveryItemType => new()
    {
        { "Item", "drafts", "<t:Sensitivity>Normal</t:Sensitivity><t:Importance>Low</t:Importance><t:Culture>fr-FR</t:Culture>" },
        { "Contact", "contacts", "<t:FileAs>Durand, Bob</t:FileAs><t:GivenName>Bob</t:GivenName><t:CompanyName>Rendezvous</t:CompanyName><t:EmailAddresses><t:Entry Key=\"EmailAddress1\">bob@example.com</t:Entry></t:EmailAddresses><t:PhoneNumbers><t:Entry Key=\"MobilePhone\">+33 6 00 00 00 00</t:Entry></t:PhoneNumbers><t:JobTitle>Engineer</t:JobTitle><t:Surname>Durand</t:Surname>" },
        { "DistributionList", "contacts", "<t:FileAs>Team</t:FileAs><t:Members><t:Member><t:Mailbox><t:EmailAddress>bob@example.com</t:EmailAddress></t:Mailbox></t:Member></t:Members>" },
        { "Task", "tasks", "<t:BillingInformation>project 7</t:BillingInformation><t:Companies><t:String>Rendezvous</t:String></t:Companies><t:DueDate>2030-02-01T00:00:00Z</t:DueDate><t:PercentComplete>50</t:PercentComplete><t:StartDate>2030-01-01T00:00:00Z</t:StartDate><t:Status>InProgress</t:Status>" },
        { "PostItem", "drafts", "<t:PostedTime>2030-01-01T10:00:00Z</t:PostedTime><t:References>&lt;a@example.com&gt;</t:References>" },
        // A recurrence range's dates come back with the series zone's offset, as Exchange writes them (exchangelib reads a
        // bare date as a datetime), so the series here gives it in that form.
        { "CalendarItem", "calendar", "<t:Start>2030-01-07T09:00:00Z</t:Start><t:End>2030-01-07T10:00:00Z</t:End><t:When>Mondays at nine</t:When><t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek><t:FirstDayOfWeek>Sunday</t:FirstDayOfWeek></t:WeeklyRecurrence><t:NoEndRecurrence><t:StartDate>2030-01-07+00:00</t:StartDate></t:NoEndRecurrence></t:Recurrence>" },
        { "Message", "drafts", "<t:Flag><t:FlagStatus>Flagged</t:FlagStatus></t:Flag>" },
    };

    [Theory]
    [MemberData(nameof(EveryItemType))]
    public async Task Every_item_type_is_created_and_returns_its_elements_as_given_in_schema_order(string element, string folder, string elements)
    {
        var subject = Unique(element);
        var create = await server.CallAsync(User, $"""
            <m:CreateItem MessageDisposition="SaveOnly" SendMeetingInvitations="SendToNone">
              <m:SavedItemFolderId><t:DistinguishedFolderId Id="{folder}"/></m:SavedItemFolderId>
              <m:Items><t:{element}><t:Subject>{subject}</t:Subject>{elements}</t:{element}></m:Items>
            </m:CreateItem>
            """, "Exchange2016");
        var (id, key) = create.Ok().ItemId();

        var read = (await server.CallAsync(User, Requests.GetItem(id), "Exchange2016")).Ok().Descendants(EwsResponse.T + element).Single();
        Assert.Equal(subject, read.T("Subject"));
        var given = XElement.Parse($"<t:{element} xmlns:t=\"{EwsResponse.T.NamespaceName}\">{elements}</t:{element}>").Elements().ToList();
        foreach (var sent in given)
        {
            var returned = read.Element(sent.Name);
            Assert.True(returned is not null, $"{element}/{sent.Name.LocalName} was not returned");
            Assert.True(XNode.DeepEquals(Bare(sent), Bare(returned)), $"{element}/{sent.Name.LocalName}: sent {sent}, returned {returned}");
        }

        // FindItem and SyncFolderItems name the item by its type.
        var found = (await server.CallAsync(User, Requests.FindItem(folder: folder, restriction:
            $"<t:IsEqualTo><t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURIOrConstant><t:Constant Value=\"{subject}\"/></t:FieldURIOrConstant></t:IsEqualTo>"), "Exchange2016")).Ok();
        Assert.Equal(id, found.Descendants(EwsResponse.T + element).Single().Element(EwsResponse.T + "ItemId")!.Attribute("Id")!.Value);
        _ = key;
    }

    [Fact]
    public async Task A_raw_element_is_set_and_deleted_by_its_FieldURI_on_UpdateItem()
    {
        var create = await server.CallAsync(User, $"""
            <m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId>
              <m:Items><t:Contact><t:Subject>{Unique("raw")}</t:Subject><t:JobTitle>Engineer</t:JobTitle></t:Contact></m:Items>
            </m:CreateItem>
            """);
        var (id, key) = create.Ok().ItemId();
        var set = await server.CallAsync(User, Requests.SetField(id, key, "contacts:JobTitle", "<t:JobTitle>Architect</t:JobTitle>", element: "Contact"));
        var (_, newKey) = set.Ok().ItemId();
        Assert.Equal("Architect", (await server.CallAsync(User, Requests.GetItem(id))).Ok().T("JobTitle"));

        (await server.CallAsync(User, $"""
            <m:UpdateItem ConflictResolution="AutoResolve">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{newKey}"/><t:Updates>
                <t:DeleteItemField><t:FieldURI FieldURI="contacts:JobTitle"/></t:DeleteItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """)).Ok();
        Assert.Null((await server.CallAsync(User, Requests.GetItem(id))).Ok().T("JobTitle"));
    }

    [Fact]
    public async Task Items_of_every_type_live_in_any_folder_and_SyncFolderItems_names_them_by_their_type()
    {
        var created = (await server.CallAsync(User, $"""
            <m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderId>
              <m:Folders><t:Folder><t:DisplayName>{Unique("Everything")}</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>
            """)).Ok();
        var folderId = created.Descendants(EwsResponse.T + "FolderId").Single().Attribute("Id")!.Value;
        string[] kinds = ["Item", "Contact", "DistributionList", "Task", "PostItem", "Message", "CalendarItem"];
        var ids = new Dictionary<string, string>();
        foreach (var kind in kinds)
        {
            var times = kind == "CalendarItem" ? "<t:Start>2030-01-07T09:00:00Z</t:Start><t:End>2030-01-07T10:00:00Z</t:End>" : "";
            var response = (await server.CallAsync(User, $"""
                <m:CreateItem MessageDisposition="SaveOnly" SendMeetingInvitations="SendToNone">
                  <m:SavedItemFolderId><t:FolderId Id="{folderId}"/></m:SavedItemFolderId>
                  <m:Items><t:{kind}><t:Subject>{Unique(kind)}</t:Subject>{times}</t:{kind}></m:Items>
                </m:CreateItem>
                """, "Exchange2016")).Ok();
            ids[response.ItemId().Id] = kind;
        }

        var sync = (await server.CallAsync(User, $"""
            <m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
              <m:SyncFolderId><t:FolderId Id="{folderId}"/></m:SyncFolderId><m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>
            """, "Exchange2016")).Ok();
        var reported = sync.Descendants(EwsResponse.T + "Create").Select(c => c.Elements().Single())
            .ToDictionary(e => e.Element(EwsResponse.T + "ItemId")!.Attribute("Id")!.Value, e => e.Name.LocalName);
        Assert.Equal(ids.OrderBy(p => p.Key), reported.OrderBy(p => p.Key));
    }

    /// <summary>The element without namespace declarations (where the client declared its prefix is not part of the value).</summary>
    private static XElement Bare(XElement element)
    {
        var copy = new XElement(element);
        foreach (var e in copy.DescendantsAndSelf())
        {
            e.Attributes().Where(a => a.IsNamespaceDeclaration).Remove();
        }

        return copy;
    }
}
