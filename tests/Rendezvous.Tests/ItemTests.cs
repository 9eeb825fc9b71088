using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

[Collection(ServerCollection.Name)]
public sealed class ItemTests(ServerFixture server)
{
    private const string User = ServerFixture.Carol;

    private static string Unique(string prefix) => prefix + " " + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_created_appointment_reads_back_with_its_fields_and_server_defaults()
    {
        var subject = Unique("Review");
        var (id, changeKey) = await server.CreateAppointmentAsync(User, subject, extra:
            """
            <t:Sensitivity>Private</t:Sensitivity>
            <t:Body BodyType="Text">Agenda: budget</t:Body>
            <t:Categories><t:String>Blue</t:String><t:String>Work</t:String></t:Categories>
            <t:Importance>High</t:Importance>
            <t:ReminderIsSet>true</t:ReminderIsSet>
            <t:ReminderMinutesBeforeStart>30</t:ReminderMinutesBeforeStart>
            """);
        Assert.NotEmpty(changeKey);
        var item = (await server.CallAsync(User, Requests.GetItem(id))).Ok().Descendants(EwsResponse.T + "CalendarItem").Single();
        Assert.Equal(subject, item.T("Subject"));
        Assert.Equal("Private", item.T("Sensitivity"));
        Assert.Equal("Agenda: budget", item.T("Body"));
        Assert.Equal(["Blue", "Work"], item.Element(EwsResponse.T + "Categories")!.Elements().Select(e => e.Value));
        Assert.Equal("High", item.T("Importance"));
        Assert.Equal("30", item.T("ReminderMinutesBeforeStart"));
        Assert.Equal("IPM.Appointment", item.T("ItemClass"));
        Assert.Equal("2030-01-07T09:00:00Z", item.T("Start"));
        Assert.Equal("2030-01-07T10:00:00Z", item.T("End"));
        Assert.False(string.IsNullOrEmpty(item.T("UID")));
        Assert.Equal("Organizer", item.T("MyResponseType"));
        Assert.Equal(User, item.Element(EwsResponse.T + "Organizer")!.T("EmailAddress"));
        Assert.Equal("UTC", item.Element(EwsResponse.T + "StartTimeZone")!.Attribute("Id")!.Value);
        Assert.NotNull(item.T("DateTimeCreated"));
        Assert.NotNull(item.T("LastModifiedTime"));
        Assert.True(int.Parse(item.T("Size")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task A_client_UID_and_time_zone_are_kept()
    {
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Zoned"), "2030-06-03T09:00:00+02:00", "2030-06-03T10:00:00+02:00",
            "<t:UID>my-own-uid@example.com</t:UID><t:StartTimeZone Id=\"Romance Standard Time\"/><t:EndTimeZone Id=\"Romance Standard Time\"/>");
        var item = (await server.CallAsync(User, Requests.GetItem(id))).Ok();
        Assert.Equal("my-own-uid@example.com", item.T("UID"));
        Assert.Equal("2030-06-03T07:00:00Z", item.T("Start"));
        Assert.Equal("Romance Standard Time", item.Descendants(EwsResponse.T + "StartTimeZone").Single().Attribute("Id")!.Value);
    }

    [Fact]
    public async Task Carriage_returns_in_a_text_body_survive_the_round_trip()
    {
        // Regression: the response writer sent CR raw, so every XML reader turned a stored CRLF into LF.
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Lines"), extra: "<t:Body BodyType=\"Text\">one&#xD;\ntwo&#xD;\n</t:Body>");
        var item = (await server.CallAsync(User, Requests.GetItem(id))).Ok();
        Assert.Equal("one\r\ntwo\r\n", item.T("Body"));
    }

    [Fact]
    public async Task FilterHtmlContent_removes_scripts_and_handlers_from_an_html_body()
    {
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Unsafe"),
            extra: "<t:Body BodyType=\"HTML\">&lt;p onclick=\"x()\"&gt;Hi&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</t:Body>");
        string Body(bool filter) => $"""
            <m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:BodyType>HTML</t:BodyType><t:FilterHtmlContent>{(filter ? "true" : "false")}</t:FilterHtmlContent>
            <t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties></m:ItemShape>
            <m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>
            """;

        var filtered = (await server.CallAsync(User, Body(filter: true))).Ok().T("Body")!;
        Assert.Contains("Hi", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain("script", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain("onclick", filtered, StringComparison.Ordinal);
        var unfiltered = (await server.CallAsync(User, Body(filter: false))).Ok().T("Body")!;
        Assert.Contains("<script>", unfiltered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shapes_return_what_they_ask_for()
    {
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Shapes"), extra: "<t:Body BodyType=\"HTML\">&lt;p&gt;Hello &amp;amp; welcome&lt;/p&gt;</t:Body><t:Location>Room 4</t:Location>");
        var idOnly = (await server.CallAsync(User, Requests.GetItem(id, "IdOnly"))).Ok().Descendants(EwsResponse.T + "CalendarItem").Single();
        Assert.Equal(["ItemId"], idOnly.Elements().Select(e => e.Name.LocalName));

        var additional = (await server.CallAsync(User, Requests.GetItem(id, "IdOnly",
            "<t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURI FieldURI=\"calendar:Location\"/><t:FieldURI FieldURI=\"item:EffectiveRights\"/>"))).Ok()
            .Descendants(EwsResponse.T + "CalendarItem").Single();
        Assert.Equal(["ItemId", "Subject", "Location"], additional.Elements().Select(e => e.Name.LocalName));

        var text = (await server.CallAsync(User, $"""
            <m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:BodyType>Text</t:BodyType></m:ItemShape>
            <m:ItemIds><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>
            """)).Ok();
        // Exchange ends an HTML body converted to text with a line break.
        Assert.Equal("Hello & welcome\r\n", text.T("Body"));
        Assert.Equal("Text", text.Descendants(EwsResponse.T + "Body").Single().Attribute("BodyType")!.Value);
    }

    [Fact]
    public async Task Several_items_get_one_response_message_each_in_order()
    {
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("Batch"));
        var response = await server.CallAsync(User, $"""
            <m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>
            <m:ItemIds><t:ItemId Id="{id}"/><t:ItemId Id="garbage"/><t:ItemId Id="SQF5rR1p0k2Vv1zNbcmBNQAA"/><t:ItemId Id=""/><t:ItemId Id="{id}"/></m:ItemIds></m:GetItem>
            """);
        Assert.Equal(["NoError", "ErrorInvalidIdMalformed", "ErrorItemNotFound", "ErrorInvalidIdEmpty", "NoError"],
            response.Messages.Select(m => m.Element(EwsResponse.M + "ResponseCode")!.Value));
    }

    [Fact]
    public async Task Another_users_item_is_not_found_for_read_update_delete_or_move()
    {
        var (id, key) = await server.CreateAppointmentAsync(ServerFixture.Bob, Unique("Private to Bob"));
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(User, Requests.GetItem(id))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(User, Requests.SetField(id, key, "item:Subject", "<t:Subject>hacked</t:Subject>"))).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(User,
            $"<m:DeleteItem DeleteType=\"HardDelete\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:DeleteItem>")).Code());
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(User,
            $"<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id=\"inbox\"/></m:ToFolderId><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:MoveItem>")).Code());
        var bobs = (await server.CallAsync(ServerFixture.Bob, Requests.GetItem(id))).Ok();
        Assert.StartsWith("Private to Bob", bobs.T("Subject"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calendar_item_errors_are_per_item()
    {
        var missing = await server.CallAsync(User, Requests.CreateAppointment("x", "2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z").Replace(" SendMeetingInvitations=\"SendToNone\"", "", StringComparison.Ordinal));
        Assert.Equal("ErrorSendMeetingInvitationsRequired", missing.Code());
        var backwards = await server.CallAsync(User, Requests.CreateAppointment("x", "2030-01-01T10:00:00Z", "2030-01-01T09:00:00Z"));
        Assert.Equal("ErrorCalendarEndDateIsEarlierThanStartDate", backwards.Code());
        var tooLong = await server.CallAsync(User, Requests.CreateAppointment("x", "2030-01-01T10:00:00Z", "2036-01-01T09:00:00Z"));
        Assert.Equal("ErrorCalendarDurationIsTooLong", tooLong.Code());
    }

    [Fact]
    public async Task CalendarView_returns_the_items_that_overlap_the_window()
    {
        var tag = Unique("cv");
        await server.CreateAppointmentAsync(User, tag + " before", "2031-02-01T07:00:00Z", "2031-02-01T08:00:00Z");
        await server.CreateAppointmentAsync(User, tag + " overlapping start", "2031-02-01T08:30:00Z", "2031-02-01T09:30:00Z");
        await server.CreateAppointmentAsync(User, tag + " inside", "2031-02-01T10:00:00Z", "2031-02-01T11:00:00Z");
        await server.CreateAppointmentAsync(User, tag + " at end", "2031-02-01T12:00:00Z", "2031-02-01T13:00:00Z");
        var response = (await server.CallAsync(User, Requests.FindItem("<m:CalendarView StartDate=\"2031-02-01T09:00:00Z\" EndDate=\"2031-02-01T12:00:00Z\"/>"))).Ok();
        // The shared mailbox also holds other tests' open-ended series (their occurrences are in every window): this test's items only.
        var subjects = response.Descendants(EwsResponse.T + "Subject").Select(s => s.Value).Where(s => s.StartsWith(tag, StringComparison.Ordinal)).ToList();
        Assert.Equal([tag + " overlapping start", tag + " inside"], subjects);
        Assert.Null(response.Descendants(EwsResponse.T + "Body").FirstOrDefault());

        var wrongFolder = await server.CallAsync(User, Requests.FindItem("<m:CalendarView StartDate=\"2031-02-01T09:00:00Z\" EndDate=\"2031-02-01T12:00:00Z\"/>", folder: "inbox"));
        Assert.Equal("ErrorCalendarFolderIsInvalidForCalendarView", wrongFolder.Code());
        var tooBig = await server.CallAsync(User, Requests.FindItem("<m:CalendarView StartDate=\"2031-02-01T09:00:00Z\" EndDate=\"2034-02-01T12:00:00Z\"/>"));
        Assert.Equal("ErrorCalendarViewRangeTooBig", tooBig.Code());
    }

    [Fact]
    public async Task Restrictions_sorting_and_paging_work_together()
    {
        var tag = Unique("q");
        await server.CreateAppointmentAsync(User, tag + " alpha", "2032-01-01T09:00:00Z", "2032-01-01T10:00:00Z", "<t:Location>Lyon</t:Location>");
        await server.CreateAppointmentAsync(User, tag + " beta", "2032-01-02T09:00:00Z", "2032-01-02T10:00:00Z", "<t:Location>Paris</t:Location>");
        await server.CreateAppointmentAsync(User, tag + " gamma", "2032-01-03T09:00:00Z", "2032-01-03T10:00:00Z");
        var mine = $"<t:Contains ContainmentMode=\"Prefixed\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag.ToUpperInvariant()}\"/></t:Contains>";
        var byStartDesc = "<t:FieldOrder Order=\"Descending\"><t:FieldURI FieldURI=\"calendar:Start\"/></t:FieldOrder>";

        async Task<List<string>> Find(string restriction, string view = "")
        {
            var r = (await server.CallAsync(User, Requests.FindItem(view, restriction, byStartDesc))).Ok();
            return [.. r.Descendants(EwsResponse.T + "Subject").Select(s => s.Value[(tag.Length + 1)..])];
        }

        Assert.Equal(["gamma", "beta", "alpha"], await Find(mine));
        Assert.Equal(["beta", "alpha"], await Find($"<t:And>{mine}<t:Exists><t:FieldURI FieldURI=\"calendar:Location\"/></t:Exists></t:And>"));
        Assert.Equal(["gamma", "alpha"], await Find($"<t:And>{mine}<t:Not><t:IsEqualTo><t:FieldURI FieldURI=\"calendar:Location\"/><t:FieldURIOrConstant><t:Constant Value=\"paris\"/></t:FieldURIOrConstant></t:IsEqualTo></t:Not></t:And>"));
        Assert.Equal(["gamma", "beta"], await Find($"<t:And>{mine}<t:IsGreaterThanOrEqualTo><t:FieldURI FieldURI=\"calendar:Start\"/><t:FieldURIOrConstant><t:Constant Value=\"2032-01-02T09:00:00Z\"/></t:FieldURIOrConstant></t:IsGreaterThanOrEqualTo></t:And>"));
        Assert.Equal(["alpha"], await Find($"<t:And>{mine}<t:IsLessThan><t:FieldURI FieldURI=\"calendar:End\"/><t:FieldURIOrConstant><t:Constant Value=\"2032-01-02T00:00:00Z\"/></t:FieldURIOrConstant></t:IsLessThan></t:And>"));
        Assert.Equal(["gamma", "alpha"], await Find($"<t:And>{mine}<t:Or><t:IsEqualTo><t:FieldURI FieldURI=\"calendar:Location\"/><t:FieldURIOrConstant><t:Constant Value=\"Lyon\"/></t:FieldURIOrConstant></t:IsEqualTo><t:Not><t:Exists><t:FieldURI FieldURI=\"calendar:Location\"/></t:Exists></t:Not></t:Or></t:And>"));
        Assert.Equal(["beta"], await Find(mine, "<m:IndexedPageItemView MaxEntriesReturned=\"1\" Offset=\"1\" BasePoint=\"Beginning\"/>"));
        Assert.Equal(["alpha"], await Find(mine, "<m:IndexedPageItemView MaxEntriesReturned=\"1\" Offset=\"0\" BasePoint=\"End\"/>"));
        Assert.Equal(["beta", "alpha"], await Find(mine, "<m:FractionalPageItemView MaxEntriesReturned=\"5\" Numerator=\"1\" Denominator=\"3\"/>"));

        var page = (await server.CallAsync(User, Requests.FindItem("<m:IndexedPageItemView MaxEntriesReturned=\"2\" Offset=\"0\" BasePoint=\"Beginning\"/>", mine, byStartDesc))).Ok();
        var root = page.Element(EwsResponse.M + "RootFolder")!;
        Assert.Equal("3", root.Attribute("TotalItemsInView")!.Value);
        Assert.Equal("false", root.Attribute("IncludesLastItemInRange")!.Value);
        Assert.Equal("2", root.Attribute("IndexedPagingOffset")!.Value);
    }

    [Fact]
    public async Task An_unknown_FieldURI_is_a_schema_violation_but_an_unsupported_one_is_ignored()
    {
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("uri"));
        var bad = await server.CallAsync(User, Requests.GetItem(id, "IdOnly", "<t:FieldURI FieldURI=\"item:NoSuchThing\"/>"));
        Assert.Equal("a:ErrorSchemaValidation", bad.FaultCode);
        var unsupported = await server.CallAsync(User, Requests.GetItem(id, "IdOnly", "<t:FieldURI FieldURI=\"item:WebClientReadFormQueryString\"/>"));
        unsupported.Ok();
    }

    [Fact]
    public async Task Extended_properties_round_trip_filter_and_sort()
    {
        const string byName = "<t:ExtendedFieldURI DistinguishedPropertySetId=\"PublicStrings\" PropertyName=\"RdvColor\" PropertyType=\"String\"/>";
        const string byTag = "<t:ExtendedFieldURI PropertyTag=\"0x3A4F\" PropertyType=\"String\"/>";
        const string bySetId = "<t:ExtendedFieldURI PropertySetId=\"C11FF724-AA03-4555-9952-8FA248A11C3E\" PropertyId=\"42\" PropertyType=\"Integer\"/>";
        var tag = Unique("xp");
        var (a, _) = await server.CreateAppointmentAsync(User, tag + " a", extra: $"<t:ExtendedProperty>{byName}<t:Value>red</t:Value></t:ExtendedProperty><t:ExtendedProperty>{bySetId}<t:Value>7</t:Value></t:ExtendedProperty>");
        await server.CreateAppointmentAsync(User, tag + " b", extra: $"<t:ExtendedProperty>{byName}<t:Value>blue</t:Value></t:ExtendedProperty><t:ExtendedProperty>{bySetId}<t:Value>12</t:Value></t:ExtendedProperty>");

        var read = (await server.CallAsync(User, Requests.GetItem(a, "IdOnly", byName + bySetId + byTag))).Ok();
        var props = read.Descendants(EwsResponse.T + "ExtendedProperty").ToList();
        Assert.Equal(["red", "7"], props.Select(p => p.T("Value")));

        // The same named property addressed by its property set GUID is the same property.
        var byGuid = (await server.CallAsync(User, Requests.GetItem(a, "IdOnly", "<t:ExtendedFieldURI PropertySetId=\"00020329-0000-0000-C000-000000000046\" PropertyName=\"RdvColor\" PropertyType=\"String\"/>"))).Ok();
        Assert.Equal("red", byGuid.T("Value"));

        var mine = $"<t:Contains ContainmentMode=\"Prefixed\" ContainmentComparison=\"IgnoreCase\"><t:FieldURI FieldURI=\"item:Subject\"/><t:Constant Value=\"{tag}\"/></t:Contains>";
        var filtered = (await server.CallAsync(User, Requests.FindItem(restriction: $"<t:And>{mine}<t:IsEqualTo>{byName}<t:FieldURIOrConstant><t:Constant Value=\"blue\"/></t:FieldURIOrConstant></t:IsEqualTo></t:And>"))).Ok();
        Assert.Equal([tag + " b"], filtered.Descendants(EwsResponse.T + "Subject").Select(s => s.Value));
        var greater = (await server.CallAsync(User, Requests.FindItem(restriction: $"<t:And>{mine}<t:IsGreaterThan>{bySetId}<t:FieldURIOrConstant><t:Constant Value=\"8\"/></t:FieldURIOrConstant></t:IsGreaterThan></t:And>"))).Ok();
        Assert.Equal([tag + " b"], greater.Descendants(EwsResponse.T + "Subject").Select(s => s.Value));
        var sorted = (await server.CallAsync(User, Requests.FindItem(restriction: mine, sort: $"<t:FieldOrder Order=\"Ascending\">{byName}</t:FieldOrder>"))).Ok();
        Assert.Equal([tag + " b", tag + " a"], sorted.Descendants(EwsResponse.T + "Subject").Select(s => s.Value));
    }

    [Fact]
    public async Task UpdateItem_sets_appends_and_deletes_fields_and_moves_the_ChangeKey()
    {
        var (id, key) = await server.CreateAppointmentAsync(User, Unique("upd"), extra: "<t:Body BodyType=\"Text\">one</t:Body><t:Location>Lyon</t:Location>");
        var response = await server.CallAsync(User, $"""
            <m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToNone">
              <m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{key}"/><t:Updates>
                <t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>renamed</t:Subject></t:CalendarItem></t:SetItemField>
                <t:AppendToItemField><t:FieldURI FieldURI="item:Body"/><t:CalendarItem><t:Body BodyType="Text"> two</t:Body></t:CalendarItem></t:AppendToItemField>
                <t:DeleteItemField><t:FieldURI FieldURI="calendar:Location"/></t:DeleteItemField>
                <t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2030-01-07T12:00:00Z</t:End></t:CalendarItem></t:SetItemField>
              </t:Updates></t:ItemChange></m:ItemChanges>
            </m:UpdateItem>
            """);
        var (newId, newKey) = response.Ok().ItemId();
        Assert.Equal(id, newId);
        Assert.NotEqual(key, newKey);
        var item = (await server.CallAsync(User, Requests.GetItem(id))).Ok();
        Assert.Equal("renamed", item.T("Subject"));
        Assert.Equal("one two", item.T("Body"));
        Assert.Null(item.T("Location"));
        Assert.Equal("2030-01-07T12:00:00Z", item.T("End"));

        var backwards = await server.CallAsync(User, Requests.SetField(id, newKey, "calendar:End", "<t:End>2030-01-07T08:00:00Z</t:End>"));
        Assert.Equal("ErrorCalendarEndDateIsEarlierThanStartDate", backwards.Code());
        var mismatch = await server.CallAsync(User, Requests.SetField(id, newKey, "item:Subject", "<t:Location>x</t:Location>"));
        Assert.Equal("ErrorInvalidPropertySet", mismatch.Code());
        var readOnly = await server.CallAsync(User, Requests.SetField(id, newKey, "item:DateTimeCreated", "<t:DateTimeCreated>2030-01-01T00:00:00Z</t:DateTimeCreated>"));
        Assert.Equal("ErrorInvalidPropertySet", readOnly.Code());
    }

    [Fact]
    public async Task A_stale_ChangeKey_never_silently_overwrites()
    {
        var (id, first) = await server.CreateAppointmentAsync(User, Unique("cc"));
        var second = (await server.CallAsync(User, Requests.SetField(id, first, "item:Subject", "<t:Subject>by writer A</t:Subject>"))).Ok().ItemId().ChangeKey;

        // NeverOverwrite refuses any stale ChangeKey.
        Assert.Equal("ErrorIrresolvableConflict", (await server.CallAsync(User, Requests.SetField(id, first, "calendar:Location", "<t:Location>x</t:Location>", "NeverOverwrite"))).Code());
        // AutoResolve refuses a stale ChangeKey for a field changed since...
        Assert.Equal("ErrorIrresolvableConflict", (await server.CallAsync(User, Requests.SetField(id, first, "item:Subject", "<t:Subject>by writer B</t:Subject>"))).Code());
        // ...but merges a change to another field.
        var third = (await server.CallAsync(User, Requests.SetField(id, first, "calendar:Location", "<t:Location>Room 9</t:Location>"))).Ok().ItemId().ChangeKey;
        var item = (await server.CallAsync(User, Requests.GetItem(id))).Ok();
        Assert.Equal("by writer A", item.T("Subject"));
        Assert.Equal("Room 9", item.T("Location"));
        // A missing ChangeKey is refused unless the client asks to overwrite.
        Assert.Equal("ErrorChangeKeyRequiredForWriteOperations", (await server.CallAsync(User, Requests.SetField(id, "", "item:Subject", "<t:Subject>no key</t:Subject>"))).Code());
        (await server.CallAsync(User, Requests.SetField(id, "", "item:Subject", "<t:Subject>overwritten</t:Subject>", "AlwaysOverwrite"))).Ok();
        Assert.Equal("ErrorInvalidChangeKey", (await server.CallAsync(User, Requests.SetField(id, "garbage!", "item:Subject", "<t:Subject>x</t:Subject>"))).Code());
        Assert.NotEqual(second, third);
    }

    [Fact]
    public async Task DeleteItem_honours_each_delete_type()
    {
        var (hard, _) = await server.CreateAppointmentAsync(User, Unique("hard"));
        var (moved, _) = await server.CreateAppointmentAsync(User, Unique("trash"));
        string Delete(string id, string type, string cancellations = " SendMeetingCancellations=\"SendToNone\"") =>
            $"<m:DeleteItem DeleteType=\"{type}\"{cancellations}><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:DeleteItem>";

        Assert.Equal("ErrorSendMeetingCancellationsRequired", (await server.CallAsync(User, Delete(hard, "HardDelete", ""))).Code());
        (await server.CallAsync(User, Delete(hard, "HardDelete"))).Ok();
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(User, Requests.GetItem(hard))).Code());

        (await server.CallAsync(User, Delete(moved, "MoveToDeletedItems"))).Ok();
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(User, Requests.GetItem(moved))).Code());
        var trash = (await server.CallAsync(User, Requests.FindItem(folder: "deleteditems", restriction:
            "<t:IsEqualTo><t:FieldURI FieldURI=\"item:ItemClass\"/><t:FieldURIOrConstant><t:Constant Value=\"IPM.Appointment\"/></t:FieldURIOrConstant></t:IsEqualTo>"))).Ok();
        Assert.Contains(trash.Descendants(EwsResponse.T + "Subject"), s => s.Value.StartsWith("trash", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Move_and_copy_give_new_ids()
    {
        var (id, _) = await server.CreateAppointmentAsync(User, Unique("mv"));
        var copy = (await server.CallAsync(User, $"<m:CopyItem><m:ToFolderId><t:DistinguishedFolderId Id=\"drafts\"/></m:ToFolderId><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:CopyItem>")).Ok().ItemId().Id;
        Assert.NotEqual(id, copy);
        (await server.CallAsync(User, Requests.GetItem(id))).Ok();
        var moved = (await server.CallAsync(User, $"<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id=\"notes\"/></m:ToFolderId><m:ItemIds><t:ItemId Id=\"{id}\"/></m:ItemIds></m:MoveItem>")).Ok().ItemId().Id;
        Assert.NotEqual(id, moved);
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(User, Requests.GetItem(id))).Code());
        (await server.CallAsync(User, Requests.GetItem(moved))).Ok();
        var foreign = await server.CallAsync(User, $"<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id=\"inbox\"><t:Mailbox><t:EmailAddress>{ServerFixture.Bob}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:ToFolderId><m:ItemIds><t:ItemId Id=\"{moved}\"/></m:ItemIds></m:MoveItem>");
        Assert.Equal("ErrorAccessDenied", foreign.Code());
    }

    [Fact]
    public async Task A_sent_message_is_delivered_to_a_local_recipient()
    {
        var subject = Unique("Hello");
        var sent = await server.CallAsync(ServerFixture.Alice, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message><t:Subject>{subject}</t:Subject><t:Body BodyType="Text">hi</t:Body>
              <t:ToRecipients><t:Mailbox><t:EmailAddress>{ServerFixture.Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
            """);
        sent.Ok();
        var query = Requests.FindItem(folder: "inbox", restriction: $"<t:IsEqualTo><t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURIOrConstant><t:Constant Value=\"{subject}\"/></t:FieldURIOrConstant></t:IsEqualTo>");
        var inbox = (await server.CallAsync(ServerFixture.Bob, query)).Ok();
        Assert.Equal("false", inbox.T("IsRead"));
        Assert.Equal(ServerFixture.Alice, inbox.Element(EwsResponse.M + "RootFolder")!.Descendants(EwsResponse.T + "From").Single().T("EmailAddress"));
        var noDisposition = await server.CallAsync(ServerFixture.Alice, "<m:CreateItem><m:Items><t:Message><t:Subject>x</t:Subject></t:Message></m:Items></m:CreateItem>");
        Assert.Equal("ErrorMessageDispositionRequired", noDisposition.Code());
    }

    [Fact]
    public async Task A_message_updated_with_SendAndSaveCopy_is_sent_and_answered_without_items()
    {
        // exchangelib's send_and_save of a saved message is UpdateItem with MessageDisposition="SendAndSaveCopy": the
        // message was updated but never sent, and its id came back where exchangelib expects none.
        var subject = Unique("Draft");
        var saved = (await server.CallAsync(User, $"""
            <m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="drafts"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>{subject}</t:Subject>
              <t:ToRecipients><t:Mailbox><t:EmailAddress>{ServerFixture.Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
            """)).Ok();
        var (id, changeKey) = saved.ItemId();
        var sentSubject = subject + " final";
        var update = (await server.CallAsync(User, $"""
            <m:UpdateItem MessageDisposition="SendAndSaveCopy" ConflictResolution="AutoResolve"><m:ItemChanges><t:ItemChange><t:ItemId Id="{id}" ChangeKey="{changeKey}"/><t:Updates>
              <t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>{sentSubject}</t:Subject></t:Message></t:SetItemField>
            </t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>
            """)).Ok();
        Assert.Empty(update.Element(EwsResponse.M + "Items")!.Elements());
        Assert.Equal("0", update.Element(EwsResponse.M + "ConflictResults")!.T("Count"));
        var bySubject = $"<t:IsEqualTo><t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURIOrConstant><t:Constant Value=\"{sentSubject}\"/></t:FieldURIOrConstant></t:IsEqualTo>";
        Assert.Single((await server.CallAsync(ServerFixture.Bob, Requests.FindItem(folder: "inbox", restriction: bySubject))).Ok().Descendants(EwsResponse.T + "Message"));
        Assert.Single((await server.CallAsync(User, Requests.FindItem(folder: "sentitems", restriction: bySubject))).Ok().Descendants(EwsResponse.T + "Message"));
        Assert.Equal("ErrorItemNotFound", (await server.CallAsync(User, Requests.GetItem(id))).Code());

        // SaveOnly keeps answering the item, and a new message sent with SendAndSaveCopy has no id to answer.
        var kept = (await server.CallAsync(User, $"""
            <m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange><t:ItemId Id="{(await CreateDraftAsync()).Id}"/><t:Updates>
              <t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>{subject} kept</t:Subject></t:Message></t:SetItemField>
            </t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>
            """)).Ok();
        Assert.Single(kept.Element(EwsResponse.M + "Items")!.Elements());
        var sent = (await server.CallAsync(User, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message><t:Subject>{subject} new</t:Subject>
              <t:ToRecipients><t:Mailbox><t:EmailAddress>{ServerFixture.Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
            """)).Ok();
        Assert.Empty(sent.Element(EwsResponse.M + "Items")!.Elements());

        async Task<(string Id, string ChangeKey)> CreateDraftAsync() => (await server.CallAsync(User,
            $"<m:CreateItem MessageDisposition=\"SaveOnly\"><m:Items><t:Message><t:Subject>{subject} draft</t:Subject></t:Message></m:Items></m:CreateItem>")).Ok().ItemId();
    }

    [Fact]
    public async Task A_recipient_received_the_senders_categories()
    {
        // Exchange's transport removes a sender's categories (exchangelib's test_send finds its sent message by them).
        var subject = Unique("Tagged");
        (await server.CallAsync(User, $"""
            <m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message><t:Subject>{subject}</t:Subject><t:Categories><t:String>Private</t:String></t:Categories>
              <t:ToRecipients><t:Mailbox><t:EmailAddress>{ServerFixture.Bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
            """)).Ok();
        var bySubject = $"<t:IsEqualTo><t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURIOrConstant><t:Constant Value=\"{subject}\"/></t:FieldURIOrConstant></t:IsEqualTo>";
        var received = (await server.CallAsync(ServerFixture.Bob, Requests.FindItem(folder: "inbox", restriction: bySubject))).Ok().Descendants(EwsResponse.T + "Message").Single();
        var inbox = (await server.CallAsync(ServerFixture.Bob, Requests.GetItem(received.ItemId().Id))).Ok().Descendants(EwsResponse.T + "Message").Single();
        Assert.Null(inbox.Element(EwsResponse.T + "Categories"));
        var sent = (await server.CallAsync(User, Requests.FindItem(folder: "sentitems", restriction: bySubject))).Ok().Descendants(EwsResponse.T + "Message").Single();
        var kept = (await server.CallAsync(User, Requests.GetItem(sent.ItemId().Id))).Ok().Descendants(EwsResponse.T + "Message").Single();
        Assert.Equal(["Private"], kept.Element(EwsResponse.T + "Categories")!.Elements().Select(e => e.Value));
    }
}
