using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Rendezvous.Server.Autodiscover;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Autodiscover over HTTP (issue 19 §3): POX, SOAP and JSON, with the request samples of Microsoft's pages. The EWS
/// schema does not cover autodiscover (its schemas are not in /work/shared/ews-schema), so the answers are checked
/// element by element against the documented shapes, and with the clients in InteropTests (j08, t14).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class AutodiscoverTests(ServerFixture server)
{
    private static readonly XNamespace O = AutodiscoverNames.Outlook;
    private static readonly XNamespace R = AutodiscoverNames.PoxResponse;
    private static readonly XNamespace A = AutodiscoverNames.Autodiscover;

    private string Base => server.Server.Addresses[0].TrimEnd('/');

    private static string Pox(string address, string schema = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a") =>
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
          <Request>
            <EMailAddress>{address}</EMailAddress>
            <AcceptableResponseSchema>{schema}</AcceptableResponseSchema>
          </Request>
        </Autodiscover>
        """;

    /// <summary>The GetUserSettings sample of the GetUserSettings operation (SOAP) page, namespaces as sent (http), one setting unknown.</summary>
    private string GetUserSettings(string mailbox, params string[] settings) =>
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <soap:Envelope xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover" xmlns:wsa="http://www.w3.org/2005/08/addressing"
                       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
          <soap:Header>
            <a:RequestedServerVersion>Exchange2010</a:RequestedServerVersion>
            <wsa:Action>http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings</wsa:Action>
            <wsa:To>{Base}/autodiscover/autodiscover.svc</wsa:To>
          </soap:Header>
          <soap:Body>
            <a:GetUserSettingsRequestMessage xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover">
              <a:Request>
                <a:Users><a:User><a:Mailbox>{mailbox}</a:Mailbox></a:User></a:Users>
                <a:RequestedSettings>{string.Concat(settings.Select(s => $"<a:Setting>{s}</a:Setting>"))}</a:RequestedSettings>
              </a:Request>
            </a:GetUserSettingsRequestMessage>
          </soap:Body>
        </soap:Envelope>
        """;

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? body, string user = ServerFixture.Alice, string? password = ServerFixture.Password)
    {
        using var request = new HttpRequestMessage(method, Base + path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "text/xml");
        }

        if (password is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        }

        var response = await server.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Theory]
    [InlineData("/autodiscover/autodiscover.xml")]
    [InlineData("/Autodiscover/Autodiscover.xml")]
    [InlineData("/AUTODISCOVER/AUTODISCOVER.XML")]
    public async Task PoxAnswersTheSignedInUserWithExchExprAndWeb(string path)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Post, path, Pox("Alice@Example.com"));
        Assert.Equal(HttpStatusCode.OK, status);
        var response = XDocument.Parse(body).Root!.Element(O + "Response")!;
        var user = response.Element(O + "User")!;
        Assert.Equal("Alice Martin", user.Element(O + "DisplayName")?.Value);
        Assert.StartsWith("/o=", user.Element(O + "LegacyDN")?.Value, StringComparison.Ordinal);
        Assert.Equal(ServerFixture.Alice, user.Element(O + "AutoDiscoverSMTPAddress")?.Value);
        var account = response.Element(O + "Account")!;
        Assert.Equal("settings", account.Element(O + "Action")?.Value);
        var protocols = account.Elements(O + "Protocol").ToList();
        Assert.Equal(["EXCH", "EXPR", "WEB"], protocols.Select(p => p.Element(O + "Type")?.Value));
        foreach (var protocol in protocols.Take(2))
        {
            Assert.Equal(server.Url, protocol.Element(O + "EwsUrl")?.Value);
            Assert.Equal(server.Url, protocol.Element(O + "ASUrl")?.Value);
            Assert.Equal(server.Url, protocol.Element(O + "OOFUrl")?.Value);
            // GNOME Online Accounts refuses an answer without ASUrl and OABUrl.
            Assert.False(string.IsNullOrEmpty(protocol.Element(O + "OABUrl")?.Value));
        }

        // 15.1.2507 packed as Exchange packs ServerVersion (exchangelib unpacks it into the EWS version it speaks).
        Assert.Equal("73C189CB", protocols[0].Element(O + "ServerVersion")?.Value);
    }

    [Fact]
    public async Task PoxOtherAddressIsNotFoundWhetherOrNotItExists()
    {
        foreach (var address in new[] { ServerFixture.Bob, "nobody@example.com" })
        {
            var (status, body, _) = await SendAsync(HttpMethod.Post, "/autodiscover/autodiscover.xml", Pox(address));
            Assert.Equal(HttpStatusCode.OK, status);
            var error = XDocument.Parse(body).Root!.Element(R + "Response")!.Element(R + "Error")!;
            Assert.Equal("500", error.Element(R + "ErrorCode")?.Value);
            Assert.Equal("The e-mail address cannot be found.", error.Element(R + "Message")?.Value);
            Assert.DoesNotContain("Bob", body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("<Autodiscover/>", "600")]
    [InlineData("not xml at all", "600")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><Autodiscover><Request><EMailAddress>&e;</EMailAddress></Request></Autodiscover>", "600")]
    public async Task PoxBadRequestIsError600(string body, string code)
    {
        var (status, text, _) = await SendAsync(HttpMethod.Post, "/autodiscover/autodiscover.xml", body);
        Assert.Equal(HttpStatusCode.OK, status);
        var error = XDocument.Parse(text).Root!.Element(R + "Response")!.Element(R + "Error")!;
        Assert.Equal(code, error.Element(R + "ErrorCode")?.Value);
        Assert.Equal("Invalid Request", error.Element(R + "Message")?.Value);
    }

    [Fact]
    public async Task PoxMobileSyncSchemaIsNotSupported()
    {
        var (_, text, _) = await SendAsync(HttpMethod.Post, "/autodiscover/autodiscover.xml", Pox(ServerFixture.Alice, "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"));
        Assert.Equal("601", XDocument.Parse(text).Descendants(R + "ErrorCode").Single().Value);
    }

    [Theory]
    [InlineData("/autodiscover/autodiscover.xml")]
    [InlineData("/autodiscover/autodiscover.svc")]
    [InlineData("/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=EWS")]
    public async Task EveryAutodiscoverPathAsksForBasic(string path)
    {
        var method = path.Contains(".json", StringComparison.Ordinal) ? HttpMethod.Get : HttpMethod.Post;
        var (status, _, response) = await SendAsync(method, path, method == HttpMethod.Post ? Pox(ServerFixture.Alice) : null, password: null);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.StartsWith("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        (status, _, _) = await SendAsync(method, path, method == HttpMethod.Post ? Pox(ServerFixture.Alice) : null, password: "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task SoapGetUserSettingsGivesTheSettingsAskedAndTheErrorsOfTheOthers()
    {
        var (status, body, _) = await SendAsync(HttpMethod.Post, "/Autodiscover/Autodiscover.svc", GetUserSettings(ServerFixture.Alice,
            "UserDisplayName", "UserDN", "UserDeploymentId", "InternalEwsUrl", "ExternalEwsUrl", "CasVersion", "EwsSupportedSchemas", "InternalEcpUrl", "NoSuchSetting"));
        Assert.Equal(HttpStatusCode.OK, status);
        var document = XDocument.Parse(body);
        var action = document.Root!.Element(AutodiscoverNames.Soap + "Header")!.Element(AutodiscoverNames.Addressing + "Action")!;
        Assert.Equal("http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettingsResponse", action.Value);
        Assert.Equal("1", action.Attribute(AutodiscoverNames.Soap + "mustUnderstand")?.Value);
        var response = document.Descendants(A + "GetUserSettingsResponseMessage").Single().Element(A + "Response")!;
        Assert.Equal("NoError", response.Element(A + "ErrorCode")?.Value);
        var user = response.Element(A + "UserResponses")!.Elements(A + "UserResponse").Single();
        Assert.Equal(["ErrorCode", "ErrorMessage", "RedirectTarget", "UserSettingErrors", "UserSettings"], user.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("NoError", user.Element(A + "ErrorCode")?.Value);
        var settings = user.Element(A + "UserSettings")!.Elements(A + "UserSetting")
            .ToDictionary(s => s.Element(A + "Name")!.Value, s => s.Element(A + "Value")!.Value);
        Assert.Equal("Alice Martin", settings["UserDisplayName"]);
        Assert.Equal(server.Url, settings["InternalEwsUrl"]);
        Assert.Equal(server.Url, settings["ExternalEwsUrl"]);
        Assert.Equal("15.01.2507.006", settings["CasVersion"]);
        Assert.Contains("Exchange2016", settings["EwsSupportedSchemas"], StringComparison.Ordinal);
        Assert.True(Guid.TryParse(settings["UserDeploymentId"], out _));
        Assert.All(user.Element(A + "UserSettings")!.Elements(), s => Assert.Equal("StringSetting", s.Attribute(AutodiscoverNames.Xsi + "type")?.Value));
        var errors = user.Element(A + "UserSettingErrors")!.Elements(A + "UserSettingError")
            .ToDictionary(e => e.Element(A + "SettingName")!.Value, e => e.Element(A + "ErrorCode")!.Value);
        Assert.Equal(new Dictionary<string, string> { ["InternalEcpUrl"] = "SettingIsNotAvailable", ["NoSuchSetting"] = "InvalidSetting" }, errors);
    }

    [Fact]
    public async Task SoapOtherUserIsInvalidUser()
    {
        var (_, body, _) = await SendAsync(HttpMethod.Post, "/autodiscover/autodiscover.svc", GetUserSettings(ServerFixture.Bob, "UserDisplayName"));
        var user = XDocument.Parse(body).Descendants(A + "UserResponse").Single();
        Assert.Equal("InvalidUser", user.Element(A + "ErrorCode")?.Value);
        Assert.Empty(user.Element(A + "UserSettings")!.Elements());
        Assert.DoesNotContain("Bob Durand", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SoapGetDomainSettings()
    {
        var envelope = """
            <?xml version="1.0" encoding="utf-8"?>
            <soap:Envelope xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
              <soap:Header>
                <a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>
                <wsa:Action>http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetDomainSettings</wsa:Action>
                <wsa:To>https://autodiscover.example.com/autodiscover/autodiscover.svc</wsa:To>
              </soap:Header>
              <soap:Body>
                <a:GetDomainSettingsRequestMessage>
                  <a:Request>
                    <a:Domains><a:Domain>example.com</a:Domain><a:Domain>elsewhere.org</a:Domain></a:Domains>
                    <a:RequestedSettings><a:Setting>ExternalEwsUrl</a:Setting><a:Setting>ExternalEwsVersion</a:Setting></a:RequestedSettings>
                    <a:RequestedVersion>Exchange2013</a:RequestedVersion>
                  </a:Request>
                </a:GetDomainSettingsRequestMessage>
              </soap:Body>
            </soap:Envelope>
            """;
        var (status, body, _) = await SendAsync(HttpMethod.Post, "/autodiscover/autodiscover.svc", envelope);
        Assert.Equal(HttpStatusCode.OK, status);
        var document = XDocument.Parse(body);
        Assert.EndsWith("/GetDomainSettingsResponse", document.Descendants(AutodiscoverNames.Addressing + "Action").Single().Value, StringComparison.Ordinal);
        var domains = document.Descendants(A + "DomainResponse").ToList();
        Assert.Equal(["NoError", "InvalidDomain"], domains.Select(d => d.Element(A + "ErrorCode")!.Value));
        var settings = domains[0].Element(A + "DomainSettings")!.Elements(A + "DomainSetting").ToDictionary(s => s.Element(A + "Name")!.Value, s => s.Element(A + "Value")!.Value);
        Assert.Equal(server.Url, settings["ExternalEwsUrl"]);
        Assert.Equal("15.01.2507.006", settings["ExternalEwsVersion"]);
    }

    [Theory]
    [InlineData("not xml")]
    [InlineData("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetFederationInformationRequestMessage xmlns=\"http://schemas.microsoft.com/exchange/2010/Autodiscover\"/></soap:Body></soap:Envelope>")]
    public async Task SoapBadRequestIsAFault(string body)
    {
        var (status, text, _) = await SendAsync(HttpMethod.Post, "/autodiscover/autodiscover.svc", body);
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Single(XDocument.Parse(text).Descendants(AutodiscoverNames.Soap + "Fault"));
    }

    [Fact]
    public async Task SoapWithoutUsersIsInvalidRequest()
    {
        var (_, body, _) = await SendAsync(HttpMethod.Post, "/autodiscover/autodiscover.svc", GetUserSettings(ServerFixture.Alice).Replace("<a:Users><a:User><a:Mailbox>alice@example.com</a:Mailbox></a:User></a:Users>", "", StringComparison.Ordinal));
        Assert.Equal("InvalidRequest", XDocument.Parse(body).Descendants(A + "Response").Single().Element(A + "ErrorCode")?.Value);
    }

    [Fact]
    public async Task JsonAnswersEws()
    {
        var (status, body, response) = await SendAsync(HttpMethod.Get, "/Autodiscover/Autodiscover.json/v1.0/alice@example.com?Protocol=EWS", null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("EWS", json.RootElement.GetProperty("Protocol").GetString());
        Assert.Equal(server.Url, json.RootElement.GetProperty("Url").GetString());
    }

    [Fact]
    public async Task JsonActiveSyncIsAnInvalidProtocol()
    {
        var (status, body, _) = await SendAsync(HttpMethod.Get, "/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=ActiveSync", null);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("InvalidProtocol", json.RootElement.GetProperty("ErrorCode").GetString());
    }

    [Fact]
    public async Task JsonOtherAddressIsNotFound()
    {
        var (status, body, _) = await SendAsync(HttpMethod.Get, "/autodiscover/autodiscover.json/v1.0/bob@example.com?Protocol=EWS", null);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("EWS/Exchange.asmx", body, StringComparison.Ordinal);
    }
}
