using System.Xml.Linq;
using Rendezvous.Protocol;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>User configuration objects (issue 15 §6): the four operations, over HTTP, schema-validated.</summary>
[Collection(ServerCollection.Name)]
public sealed class UserConfigurationTests(ServerFixture server)
{
    private const string User = ServerFixture.Carol;
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private static string Unique(string prefix) => prefix + "." + Guid.NewGuid().ToString("N")[..8];

    private static string Name(string name, string folder = "drafts") =>
        $"<t:UserConfigurationName Name=\"{name}\"><t:DistinguishedFolderId Id=\"{folder}\"/></t:UserConfigurationName>";

    private static string Configuration(string name, string dictionary = "", string xml = "", string binary = "", string folder = "drafts") =>
        $"""
        <m:UserConfiguration>
          {(name.Length > 0 ? Name(name, folder) : "")}
          {(dictionary.Length > 0 ? $"<t:Dictionary>{dictionary}</t:Dictionary>" : "")}
          {(xml.Length > 0 ? $"<t:XmlData>{xml}</t:XmlData>" : "")}
          {(binary.Length > 0 ? $"<t:BinaryData>{binary}</t:BinaryData>" : "")}
        </m:UserConfiguration>
        """;

    private static string Entry(string keyType, string key, string valueType, params string[] values) =>
        $"<t:DictionaryEntry><t:DictionaryKey><t:Type>{keyType}</t:Type><t:Value>{key}</t:Value></t:DictionaryKey>"
        + $"<t:DictionaryValue><t:Type>{valueType}</t:Type>{string.Concat(values.Select(v => $"<t:Value>{v}</t:Value>"))}</t:DictionaryValue></t:DictionaryEntry>";

    private Task<EwsResponse> CreateAsync(string body) => server.CallAsync(User, $"<m:CreateUserConfiguration>{body}</m:CreateUserConfiguration>");

    private Task<EwsResponse> UpdateAsync(string body) => server.CallAsync(User, $"<m:UpdateUserConfiguration>{body}</m:UpdateUserConfiguration>");

    private Task<EwsResponse> GetAsync(string name, string properties = "All", string folder = "drafts") =>
        server.CallAsync(User, $"<m:GetUserConfiguration>{Name(name, folder).Replace("t:UserConfigurationName", "m:UserConfigurationName", StringComparison.Ordinal)}<m:UserConfigurationProperties>{properties}</m:UserConfigurationProperties></m:GetUserConfiguration>");

    private Task<EwsResponse> DeleteAsync(string name) =>
        server.CallAsync(User, $"<m:DeleteUserConfiguration>{Name(name).Replace("t:UserConfigurationName", "m:UserConfigurationName", StringComparison.Ordinal)}</m:DeleteUserConfiguration>");

    private static List<(string Key, string? Type, List<string> Values)> Entries(XElement configuration) =>
        [.. configuration.Descendants(T + "DictionaryEntry").Select(e => (
            e.Element(T + "DictionaryKey")!.Element(T + "Value")!.Value,
            e.Element(T + "DictionaryValue")!.Element(T + "Type")?.Value,
            e.Element(T + "DictionaryValue")!.Elements(T + "Value").Select(v => v.Value).ToList()))];

    private static List<string> Flat(XElement configuration) =>
        [.. Entries(configuration).Select(e => $"{e.Key}|{e.Type}|{string.Join(',', e.Values)}")];

    [Fact]
    public async Task An_object_is_created_read_updated_and_deleted_with_its_dictionary_xml_and_binary_data()
    {
        var name = Unique("Rdv.Settings");
        var xml = Convert.ToBase64String("<settings theme=\"dark\"/>"u8.ToArray());
        var binary = Convert.ToBase64String([0, 1, 2, 254, 255]);
        var dictionary = Entry("String", "Theme", "String", "dark") + Entry("String", "Count", "Integer32", "3")
            + Entry("String", "Tags", "StringArray", "a", "b") + Entry("Integer32", "7", "Boolean", "true")
            + "<t:DictionaryEntry><t:DictionaryKey><t:Type>String</t:Type><t:Value>Nothing</t:Value></t:DictionaryKey><t:DictionaryValue xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"/></t:DictionaryEntry>";
        (await CreateAsync(Configuration(name, dictionary, xml, binary))).Ok();

        var read = (await GetAsync(name)).Ok().Element(M + "UserConfiguration")!;
        Assert.Equal(name, (string)read.Element(T + "UserConfigurationName")!.Attribute("Name")!);
        Assert.Equal("drafts", (string)read.Element(T + "UserConfigurationName")!.Element(T + "DistinguishedFolderId")!.Attribute("Id")!);
        Assert.NotNull(read.Element(T + "ItemId"));
        Assert.Equal(["Theme|String|dark", "Count|Integer32|3", "Tags|StringArray|a,b", "7|Boolean|true", "Nothing||"], Flat(read));
        Assert.Equal(xml, read.Element(T + "XmlData")!.Value);
        Assert.Equal(binary, read.Element(T + "BinaryData")!.Value);

        // Only what is asked for.
        var idOnly = (await GetAsync(name, "Id")).Ok().Element(M + "UserConfiguration")!;
        Assert.NotNull(idOnly.Element(T + "ItemId"));
        Assert.Null(idOnly.Element(T + "Dictionary"));
        Assert.Null(idOnly.Element(T + "XmlData"));
        var two = (await GetAsync(name, "Dictionary BinaryData")).Ok().Element(M + "UserConfiguration")!;
        Assert.Null(two.Element(T + "ItemId"));
        Assert.NotNull(two.Element(T + "Dictionary"));
        Assert.NotNull(two.Element(T + "BinaryData"));
        Assert.Null(two.Element(T + "XmlData"));

        // An update replaces the object as given.
        (await UpdateAsync(Configuration(name, Entry("String", "Theme", "String", "light")))).Ok();
        var updated = (await GetAsync(name)).Ok().Element(M + "UserConfiguration")!;
        Assert.Equal(["Theme|String|light"], Flat(updated));
        Assert.Null(updated.Element(T + "XmlData"));
        Assert.Null(updated.Element(T + "BinaryData"));
        Assert.NotEqual(read.Element(T + "ItemId")!.Attribute("ChangeKey")!.Value, updated.Element(T + "ItemId")!.Attribute("ChangeKey")!.Value);

        (await DeleteAsync(name)).Ok();
        Assert.Equal("ErrorItemNotFound", (await GetAsync(name)).Code());
    }

    [Fact]
    public async Task Typed_values_read_back_as_Exchange_writes_them_a_Boolean_sent_as_1_is_true()
    {
        // Note: exchangelib sends a Boolean as 1 and reads only true/false back (it took the value for None).
        var name = Unique("Rdv.Typed");
        (await CreateAsync(Configuration(name, Entry("Boolean", "1", "Boolean", "0") + Entry("String", "when", "DateTime", "2030-01-07T10:00:00+01:00")
            + Entry("String", "n", "Integer64", "+42")))).Ok();
        Assert.Equal(["true|Boolean|false", "when|DateTime|2030-01-07T09:00:00Z", "n|Integer64|42"], Flat((await GetAsync(name)).Ok()));
        Assert.Equal("ErrorInvalidRequest", (await CreateAsync(Configuration(Unique("Rdv.Bad"), Entry("String", "k", "Integer32", "many")))).Code());
    }

    [Fact]
    public async Task A_second_object_of_the_same_name_in_the_folder_is_ErrorItemSave()
    {
        var name = Unique("Rdv.Twice");
        (await CreateAsync(Configuration(name, Entry("String", "k", "String", "first")))).Ok();
        var again = await CreateAsync(Configuration(name, Entry("String", "k", "String", "second")));
        Assert.Equal("ErrorItemSave", again.Code());
        Assert.Equal(["first"], Entries((await GetAsync(name)).Ok()).Single().Values);

        // The same name in another folder is another object.
        (await CreateAsync(Configuration(name, Entry("String", "k", "String", "inbox's"), folder: "inbox"))).Ok();
        Assert.Equal(["inbox's"], Entries((await GetAsync(name, folder: "inbox")).Ok()).Single().Values);
    }

    [Fact]
    public async Task A_missing_object_is_ErrorItemNotFound_for_get_update_and_delete()
    {
        var name = Unique("Rdv.Missing");
        Assert.Equal("ErrorItemNotFound", (await GetAsync(name)).Code());
        Assert.Equal("ErrorItemNotFound", (await UpdateAsync(Configuration(name, Entry("String", "k", "String", "v")))).Code());
        Assert.Equal("ErrorItemNotFound", (await DeleteAsync(name)).Code());
    }

    [Fact]
    public async Task Objects_are_associated_items_found_by_the_Associated_traversal_only()
    {
        var name = Unique("Rdv.Listed");
        var folderBefore = await FolderCountAsync();
        (await CreateAsync(Configuration(name, Entry("String", "k", "String", "v"), folder: "notes"))).Ok();

        var associated = await server.CallAsync(User, """
            <m:FindItem Traversal="Associated">
              <m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:ItemClass"/><t:FieldURI FieldURI="item:IsAssociated"/></t:AdditionalProperties></m:ItemShape>
              <m:ParentFolderIds><t:DistinguishedFolderId Id="notes"/></m:ParentFolderIds>
            </m:FindItem>
            """);
        var item = Assert.Single(associated.Ok().Descendants(T + "Message"), m => m.Element(T + "ItemClass")!.Value == "IPM.Configuration." + name);
        Assert.Equal("true", item.Element(T + "IsAssociated")!.Value);

        var shallow = await server.CallAsync(User, Requests.FindItem(folder: "notes", shape: "IdOnly"));
        Assert.DoesNotContain(shallow.Ok().Descendants(T + "ItemId"), i => (string)i.Attribute("Id")! == item.ItemId().Id);
        Assert.Equal(folderBefore, await FolderCountAsync());
    }

    private async Task<string> FolderCountAsync() =>
        (await server.CallAsync(User, "<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"notes\"/></m:FolderIds></m:GetFolder>"))
            .Ok().Descendants(T + "TotalCount").Single().Value;

    [Fact]
    public async Task DavMail_reads_a_time_zone_its_own_table_knows_from_OWA_UserOptions_before_its_first_PUT()
    {
        // Issue 15: DavMail 6 fails every PUT without this answer, and takes "UTC" (not in its table) for London time.
        var response = await server.PostAsync(User, Captures.Read("davmail", "put_event", "004_GetUserConfiguration.xml"));
        var configuration = response.Ok().Element(M + "UserConfiguration")!;
        var timezone = Assert.Single(Entries(configuration), e => e.Key == "timezone");
        Assert.Equal("String", timezone.Type);
        var zone = Assert.Single(timezone.Values);
        Assert.NotEqual("UTC", zone);
        Assert.NotNull(TimeZones.Find(zone));
        Assert.Equal(zone, TimeZones.WindowsId(zone));
    }

    [Fact]
    public async Task OWA_UserOptions_once_updated_keeps_what_the_client_set()
    {
        var owa = Configuration("OWA.UserOptions", Entry("String", "timezone", "String", "Romance Standard Time"), folder: "root");
        (await server.CallAsync(ServerFixture.Alice, $"<m:UpdateUserConfiguration>{owa}</m:UpdateUserConfiguration>")).Ok();
        var read = await server.CallAsync(ServerFixture.Alice, """
            <m:GetUserConfiguration><m:UserConfigurationName Name="OWA.UserOptions"><t:DistinguishedFolderId Id="root"/></m:UserConfigurationName><m:UserConfigurationProperties>All</m:UserConfigurationProperties></m:GetUserConfiguration>
            """);
        Assert.Equal(["Romance Standard Time"], Entries(read.Ok()).Single(e => e.Key == "timezone").Values);
        Assert.Equal("ErrorItemSave", (await server.CallAsync(ServerFixture.Alice, $"<m:CreateUserConfiguration>{owa}</m:CreateUserConfiguration>")).Code());
    }
}
