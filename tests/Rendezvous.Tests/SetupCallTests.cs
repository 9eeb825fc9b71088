using System.Xml.Linq;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// The calls clients make while they set up (issue 17 §7), over HTTP, schema-validated: answered as an Exchange with
/// mail tips and no unified messaging, protection rules, add-ins or password expiry.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class SetupCallTests(ServerFixture server)
{
    private static readonly XNamespace T = EwsResponse.T;
    private static readonly XNamespace M = EwsResponse.M;

    private static XElement Response(EwsResponse response, string element)
    {
        var e = response.Document.Descendants(M + element).Single();
        Assert.True((string?)e.Attribute("ResponseClass") == "Success", e.ToString());
        return e;
    }

    [Fact]
    public async Task GetServiceConfiguration_answers_mail_tips_unified_messaging_off_and_no_protection_rules()
    {
        var response = await server.CallAsync(ServerFixture.Alice,
            "<m:GetServiceConfiguration><m:RequestedConfiguration><m:ConfigurationName>MailTips</m:ConfigurationName>"
            + "<m:ConfigurationName>UnifiedMessagingConfiguration ProtectionRules</m:ConfigurationName></m:RequestedConfiguration></m:GetServiceConfiguration>");
        var message = Response(response, "GetServiceConfigurationResponse").Element(M + "ResponseMessages")!.Element(M + "ServiceConfigurationResponseMessageType")!;
        Assert.Equal("NoError", message.Element(M + "ResponseCode")!.Value);

        var tips = message.Element(M + "MailTipsConfiguration")!;
        Assert.Equal("true", tips.Element(T + "MailTipsEnabled")!.Value);
        Assert.True(int.Parse(tips.Element(T + "MaxMessageSize")!.Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains("example.com", tips.Element(T + "InternalDomains")!.Elements(T + "Domain").Select(d => (string)d.Attribute("Name")!));

        Assert.Equal("false", message.Element(M + "UnifiedMessagingConfiguration")!.Element(T + "UmEnabled")!.Value);
        var rules = message.Element(M + "ProtectionRulesConfiguration")!;
        Assert.Empty(rules.Element(T + "Rules")!.Elements());
        Assert.NotNull(rules.Attribute("RefreshInterval"));
    }

    [Fact]
    public async Task GetServiceConfiguration_answers_only_what_is_asked_and_refuses_an_unknown_name()
    {
        var response = await server.CallAsync(ServerFixture.Bob,
            "<m:GetServiceConfiguration><m:RequestedConfiguration><m:ConfigurationName>UnifiedMessagingConfiguration</m:ConfigurationName></m:RequestedConfiguration></m:GetServiceConfiguration>");
        var message = Response(response, "GetServiceConfigurationResponse").Descendants(M + "ServiceConfigurationResponseMessageType").Single();
        Assert.NotNull(message.Element(M + "UnifiedMessagingConfiguration"));
        Assert.Null(message.Element(M + "MailTipsConfiguration"));
        Assert.Null(message.Element(M + "ProtectionRulesConfiguration"));

        var wrong = await server.CallAsync(ServerFixture.Bob,
            "<m:GetServiceConfiguration><m:RequestedConfiguration><m:ConfigurationName>UUnifiedMessagingConfiguration</m:ConfigurationName></m:RequestedConfiguration></m:GetServiceConfiguration>");
        Assert.Equal("a:ErrorSchemaValidation", wrong.FaultCode);
    }

    [Fact]
    public async Task GetPasswordExpirationDate_says_a_password_never_expires_for_any_address()
    {
        var own = Response(await server.CallAsync(ServerFixture.Alice, "<m:GetPasswordExpirationDate/>"), "GetPasswordExpirationDateResponse");
        Assert.StartsWith("9999-12-31", own.Element(M + "PasswordExpirationDate")!.Value, StringComparison.Ordinal);

        var named = Response(await server.CallAsync(ServerFixture.Alice, $"<m:GetPasswordExpirationDate><m:MailboxSmtpAddress>{ServerFixture.Alice.ToUpperInvariant()}</m:MailboxSmtpAddress></m:GetPasswordExpirationDate>"), "GetPasswordExpirationDateResponse");
        Assert.NotNull(named.Element(M + "PasswordExpirationDate"));

        // Another user's answer is the same: it says nothing of them, nor whether the address exists.
        foreach (var other in new[] { ServerFixture.Bob, "nobody@example.com" })
        {
            var answer = Response(await server.CallAsync(ServerFixture.Alice, $"<m:GetPasswordExpirationDate><m:MailboxSmtpAddress>{other}</m:MailboxSmtpAddress></m:GetPasswordExpirationDate>"), "GetPasswordExpirationDateResponse");
            Assert.Equal(own.Element(M + "PasswordExpirationDate")!.Value, answer.Element(M + "PasswordExpirationDate")!.Value);
        }
    }

    [Fact]
    public async Task GetAppManifests_lists_no_add_in()
    {
        var response = Response(await server.CallAsync(ServerFixture.Alice,
            "<m:GetAppManifests><m:ApiVersionSupported>1.1</m:ApiVersionSupported><m:SchemaVersionSupported>1.1</m:SchemaVersionSupported></m:GetAppManifests>"), "GetAppManifestsResponse");
        Assert.Empty(response.Element(M + "Apps")!.Elements());
    }

    [Fact]
    public async Task GetAppMarketplaceUrl_has_no_marketplace_even_asked_as_Outlook_asks()
    {
        // Outlook sends the versions it supports (the operation's reference page), which this schema does not declare.
        var response = Response(await server.CallAsync(ServerFixture.Alice,
            "<m:GetAppMarketplaceUrl><m:ApiVersionSupported>1.0</m:ApiVersionSupported><m:SchemaVersionSupported>1.0</m:SchemaVersionSupported></m:GetAppMarketplaceUrl>"), "GetAppMarketplaceUrlResponse");
        Assert.Null(response.Element(M + "AppMarketplaceUrl"));
        Response(await server.CallAsync(ServerFixture.Alice, "<m:GetAppMarketplaceUrl/>"), "GetAppMarketplaceUrlResponse");
    }
}
