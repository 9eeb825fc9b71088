using System.Net.Http.Headers;
using System.Net;
using System.Text;
using Rendezvous.Edge;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

[Collection(ServerCollection.Name)]
public sealed class EndpointTests(ServerFixture server)
{
    private const string GetInbox =
        "<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></m:FolderIds></m:GetFolder>";

    [Fact]
    public async Task A_request_without_credentials_gets_a_Basic_challenge()
    {
        using var content = new StringContent(Soap.Envelope(GetInbox), Encoding.UTF8, "text/xml");
        using var response = await server.Http.PostAsync(server.Url, content);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("realm=", response.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ServerFixture.Alice, "wrong password")]
    [InlineData("nobody@example.com", ServerFixture.Password)]
    public async Task Wrong_credentials_get_401(string user, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new StringContent(Soap.Envelope(GetInbox), Encoding.UTF8, "text/xml") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_path_is_matched_case_insensitively_as_DavMail_needs()
    {
        var url = server.Url.Replace("/EWS/Exchange.asmx", "/ews/exchange.asmx", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Soap.Envelope(GetInbox, null), Encoding.UTF8, "text/xml") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(ServerFixture.Alice + ":" + ServerFixture.Password)));
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Every_response_carries_a_complete_ServerVersionInfo()
    {
        var response = await server.CallAsync(ServerFixture.Alice, GetInbox);
        var info = response.ServerVersionInfo!;
        foreach (var attribute in new[] { "MajorVersion", "MinorVersion", "MajorBuildNumber", "MinorBuildNumber" })
        {
            Assert.True(int.TryParse((string?)info.Attribute(attribute), out _), attribute);
        }

        Assert.True(Enum.TryParse<Protocol.ExchangeVersion>((string?)info.Attribute("Version"), out var version));
        Assert.True(version >= Protocol.ExchangeVersion.Exchange2013_SP1);
    }

    [Fact]
    public async Task An_unknown_version_gets_ErrorInvalidServerVersion_with_the_version_header()
    {
        // Note: exchangelib guesses the version this way and reads ServerVersionInfo from the fault.
        var response = await server.PostAsync(ServerFixture.Alice, File.ReadAllText(TestData.Path("captures", "exchangelib", "setup_version_guess", "001_ConvertId.xml")));
        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        Assert.Equal("a:ErrorInvalidServerVersion", response.FaultCode);
        Assert.NotNull(response.ServerVersionInfo);
    }

    [Fact]
    public async Task An_unimplemented_operation_gets_a_fault_that_names_it()
    {
        var response = await server.CallAsync(ServerFixture.Alice, "<m:PlayOnPhone><m:ItemId Id=\"x\"/><m:DialString>123</m:DialString></m:PlayOnPhone>");
        Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
        Assert.Equal("a:ErrorInvalidOperation", response.FaultCode);
        Assert.Contains("PlayOnPhone", response.Document.ToString(), StringComparison.Ordinal);
        Assert.NotNull(response.ServerVersionInfo);
    }

    [Fact]
    public async Task Malformed_xml_gets_ErrorInvalidRequest()
    {
        var response = await server.PostAsync(ServerFixture.Alice, "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><unclosed></s:Body>");
        Assert.Equal("a:ErrorInvalidRequest", response.FaultCode);
        Assert.NotNull(response.ServerVersionInfo);
    }

    [Fact]
    public async Task A_schema_violation_gets_ErrorSchemaValidation_with_line_and_position()
    {
        var body = "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>\n<m:FolderIds>\n  <t:DistinguishedFolderId Id=\"inbox1\"/></m:FolderIds></m:GetFolder>";
        var response = await server.CallAsync(ServerFixture.Alice, body);
        Assert.Equal("a:ErrorSchemaValidation", response.FaultCode);
        var messageXml = response.Document.Descendants(EwsResponse.T + "MessageXml").Single();
        Assert.True(int.Parse(messageXml.T("LineNumber")!, System.Globalization.CultureInfo.InvariantCulture) > 1);
        Assert.True(int.Parse(messageXml.T("LinePosition")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains("inbox1", messageXml.T("Violation"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_https_namespace_is_a_schema_violation()
    {
        var envelope = Soap.Envelope(GetInbox).Replace("xmlns:m=\"http://", "xmlns:m=\"https://", StringComparison.Ordinal);
        var response = await server.PostAsync(ServerFixture.Alice, envelope);
        Assert.Equal("a:ErrorSchemaValidation", response.FaultCode);
    }

    [Fact]
    public async Task An_XXE_body_is_refused_and_reads_no_file()
    {
        var secret = Path.Combine(server.DataDirectory, "secret.txt");
        await File.WriteAllTextAsync(secret, "TOP-SECRET-MARKER");
        var body = $"""
            <?xml version="1.0"?>
            <!DOCTYPE s:Envelope [ <!ENTITY xxe SYSTEM "file://{secret}"> ]>
            <s:Envelope {Soap.Namespaces}><s:Body><m:GetFolder><m:FolderShape><t:BaseShape>&xxe;</t:BaseShape></m:FolderShape>
            <m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder></s:Body></s:Envelope>
            """;
        var response = await server.PostAsync(ServerFixture.Alice, body);
        Assert.Equal("a:ErrorInvalidRequest", response.FaultCode);
        Assert.DoesNotContain("TOP-SECRET-MARKER", response.Document.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_billion_laughs_body_is_refused()
    {
        var body = $"""
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
            <s:Envelope {Soap.Namespaces}><s:Body><m:GetFolder>&lol3;</m:GetFolder></s:Body></s:Envelope>
            """;
        var response = await server.PostAsync(ServerFixture.Alice, body);
        Assert.Equal("a:ErrorInvalidRequest", response.FaultCode);
    }

    [Fact]
    public async Task Nesting_deeper_than_the_limit_is_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("<t:And>", 100)) + string.Concat(Enumerable.Repeat("</t:And>", 100));
        var response = await server.CallAsync(ServerFixture.Alice, Requests.FindItem(restriction: deep));
        Assert.Equal("a:ErrorInvalidRequest", response.FaultCode);
        Assert.Contains("nested", response.Document.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_refused()
    {
        var big = new string('x', 1024 * 1024 + 10);
        // Note: sent with Expect: 100-continue, as curl and many clients send large bodies, so the refusal is read before
        // the body is sent. Without it the server still refuses before reading, but closes the connection under a client
        // still writing, which then sees a broken pipe depending on timing (seen under load in the full suite).
        var response = await EwsHttp.PostAsync(server.Http, server.Url, ServerFixture.Alice,
            Soap.Envelope(Requests.CreateAppointment(big, "2030-01-01T00:00:00Z", "2030-01-01T01:00:00Z")), expectContinue: true);
        Assert.Equal("a:ErrorInvalidRequest", response.FaultCode);
        Assert.Contains("limit", response.Document.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_closes_its_connection_and_says_so()
    {
        // The body is not read, so the connection cannot carry another request: Connection: close tells the client.
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url)
        {
            Content = new StringContent(Soap.Envelope(Requests.CreateAppointment(new string('x', 1024 * 1024 + 10), "2030-01-01T00:00:00Z", "2030-01-01T01:00:00Z")), Encoding.UTF8, "text/xml"),
        };
        request.Headers.ExpectContinue = true;
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(ServerFixture.Alice + ":" + ServerFixture.Password)));
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.True(response.Headers.ConnectionClose);
    }

    [Fact]
    public async Task Every_boolean_form_is_accepted()
    {
        foreach (var (form, expected) in new[] { ("1", "true"), ("0", "false"), ("true", "true"), (" false ", "false") })
        {
            var (id, _) = await server.CreateAppointmentAsync(ServerFixture.Alice, "bool " + form, extra: $"<t:ReminderIsSet>{form}</t:ReminderIsSet>");
            var item = (await server.CallAsync(ServerFixture.Alice, Requests.GetItem(id))).Ok();
            Assert.Equal(expected, item.T("ReminderIsSet"));
        }
    }

    [Theory]
    [InlineData("2030-03-01T09:00:00Z", "2030-03-01T09:00:00Z")]
    [InlineData("2030-03-01T10:00:00+01:00", "2030-03-01T09:00:00Z")]
    [InlineData("2030-03-01T09:00:00.000+00:00", "2030-03-01T09:00:00Z")]
    [InlineData("2030-03-01T09:00:00", "2030-03-01T09:00:00Z")]
    public async Task Every_dateTime_form_is_accepted(string sent, string stored)
    {
        var (id, _) = await server.CreateAppointmentAsync(ServerFixture.Alice, "date " + sent, sent, "2030-03-01T11:00:00Z");
        var item = (await server.CallAsync(ServerFixture.Alice, Requests.GetItem(id))).Ok();
        Assert.Equal(stored, item.T("Start"));
    }

    [Fact]
    public async Task A_response_holds_only_what_the_requested_version_knows()
    {
        var (id, _) = await server.CreateAppointmentAsync(ServerFixture.Alice, "versions");
        var old = (await server.CallAsync(ServerFixture.Alice, Requests.GetItem(id), "Exchange2007_SP1")).Ok();
        Assert.Null(old.T("StartTimeZone"));
        Assert.Null(old.T("IsOrganizer"));
        var current = (await server.CallAsync(ServerFixture.Alice, Requests.GetItem(id), "Exchange2013_SP1")).Ok();
        Assert.NotNull(current.Descendants(EwsResponse.T + "StartTimeZone").SingleOrDefault());
        Assert.Equal("true", current.T("IsOrganizer"));
    }
}
