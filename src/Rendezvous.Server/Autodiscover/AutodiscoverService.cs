using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Server.Autodiscover;

/// <summary>The URLs a client is given, all under the server's public base URL (<see cref="ServerOptions.PublicUrl"/>).</summary>
public sealed record AutodiscoverUrls(Uri Base)
{
    public string Ews => new Uri(Base, "EWS/Exchange.asmx").AbsoluteUri;

    /// <summary>No offline address book is served; GNOME Online Accounts refuses an answer without OABUrl, so one is named.</summary>
    public string Oab => new Uri(Base, "OAB/").AbsoluteUri;

    public string Host => Base.Host;

    public bool Secure => Base.Scheme == Uri.UriSchemeHttps;
}

/// <summary>Where the URLs given out come from: a fixed base, or, listening on a wildcard address with no public URL, each request's own Host.</summary>
public sealed record AutodiscoverBase(Uri? Fixed)
{
    public AutodiscoverUrls For(string scheme, string host, string pathBase) =>
        new(Fixed ?? (Uri.TryCreate($"{scheme}://{host}{pathBase}/", UriKind.Absolute, out var url) ? url : new Uri(scheme + "://localhost/")));
}

/// <summary>What autodiscover answers for one address.</summary>
public abstract record AutodiscoverAnswer
{
    /// <summary>The signed-in user's own address: their settings.</summary>
    public sealed record Settings(UserRecord User, AutodiscoverUrls Urls) : AutodiscoverAnswer;

    /// <summary>Any other address, whether or not a mailbox has it: not found (autodiscover is no directory).</summary>
    public sealed record NotFound(string Address) : AutodiscoverAnswer;
}

/// <summary>
/// Decides autodiscover answers, whatever the wire form (POX, SOAP, JSON). Only the signed-in user's own address gets
/// settings: Exchange answers for any mailbox of the organisation, but here that would tell any user which addresses
/// exist and their display names, which no one granted; every other address gets the same "not found".
/// </summary>
public static class AutodiscoverService
{
    /// <summary>The EWS schemas this server accepts, as EwsSupportedSchemas lists them.</summary>
    public const string SupportedSchemas = "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1, Exchange2016";

    /// <summary>The organisation named in the X.500 distinguished names Exchange clients expect (LegacyDN, UserDN).</summary>
    private const string Organisation = "/o=Rendezvous/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)";

    /// <summary>The build as Exchange prints CasVersion (15.01.2507.006).</summary>
    public static string CasVersion { get; } = string.Create(CultureInfo.InvariantCulture,
        $"{ExchangeVersions.MajorVersion}.{ExchangeVersions.MinorVersion:00}.{ExchangeVersions.MajorBuildNumber:0000}.{ExchangeVersions.MinorBuildNumber:000}");

    /// <summary>
    /// POX ServerVersion: the build packed as Exchange does (4 bits 0111, 6 bits major, 6 bits minor, 1 bit set,
    /// 15 bits build), which exchangelib unpacks to pick the EWS version.
    /// </summary>
    public static string PoxServerVersion { get; } =
        ((0b0111u << 28) | ((uint)ExchangeVersions.MajorVersion << 22) | ((uint)ExchangeVersions.MinorVersion << 16) | (1u << 15) | (uint)ExchangeVersions.MajorBuildNumber)
        .ToString("X8", CultureInfo.InvariantCulture);

    public static AutodiscoverAnswer Decide(UserRecord signedIn, string? address, AutodiscoverUrls urls) =>
        address is not null && string.Equals(address.Trim(), signedIn.Address, StringComparison.OrdinalIgnoreCase)
            ? new AutodiscoverAnswer.Settings(signedIn, urls)
            : new AutodiscoverAnswer.NotFound(address ?? "");

    /// <summary>A domain is answered when it is the signed-in user's own.</summary>
    public static bool IsOwnDomain(UserRecord signedIn, string domain) =>
        signedIn.Address.AsSpan(signedIn.Address.LastIndexOf('@') + 1).Equals(domain.Trim(), StringComparison.OrdinalIgnoreCase);

    public static string LegacyDn(UserRecord user) => Organisation + "/cn=Recipients/cn=" + user.MailboxId;

    public static string ServerDn(AutodiscoverUrls urls) => Organisation + "/cn=Configuration/cn=Servers/cn=" + urls.Host;

    public static string MdbDn(AutodiscoverUrls urls) => ServerDn(urls) + "/cn=Rendezvous Mailbox Database";

    /// <summary>A stable GUID per mailbox (DeploymentId), from its id: no state to keep.</summary>
    public static string DeploymentId(UserRecord user)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("rendezvous-deployment:" + user.MailboxId)).AsSpan(0, 16).ToArray();
        return new Guid(bytes).ToString("D");
    }

    /// <summary>The SOAP user settings this server gives, by name (GetUserSettings' Setting values).</summary>
    public static IReadOnlyDictionary<string, string> UserSettings(UserRecord user, AutodiscoverUrls urls) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["UserDisplayName"] = user.DisplayName,
        ["UserDN"] = LegacyDn(user),
        ["UserDeploymentId"] = DeploymentId(user),
        ["AutoDiscoverSMTPAddress"] = user.Address,
        ["InternalEwsUrl"] = urls.Ews,
        ["ExternalEwsUrl"] = urls.Ews,
        ["InternalOABUrl"] = urls.Oab,
        ["ExternalOABUrl"] = urls.Oab,
        ["InternalMailboxServer"] = urls.Host,
        ["ExternalMailboxServer"] = urls.Host,
        ["ExternalMailboxServerRequiresSSL"] = urls.Secure ? "True" : "False",
        ["ExternalMailboxServerAuthenticationMethods"] = "Basic",
        ["InternalMailboxServerDN"] = ServerDn(urls),
        ["MailboxDN"] = MdbDn(urls),
        ["ActiveDirectoryServer"] = urls.Host,
        ["CasVersion"] = CasVersion,
        ["EwsSupportedSchemas"] = SupportedSchemas,
        ["ExternalEwsVersion"] = CasVersion,
        ["MapiHttpEnabled"] = "False",
        ["CrossOrganizationSharingEnabled"] = "False",
    };

    /// <summary>The SOAP domain settings: GetDomainSettings knows these two.</summary>
    public static IReadOnlyDictionary<string, string> DomainSettings(AutodiscoverUrls urls) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ExternalEwsUrl"] = urls.Ews,
        ["ExternalEwsVersion"] = CasVersion,
    };

    /// <summary>
    /// Setting names Exchange defines (UserSettingName) that this server does not give: asked, they are
    /// SettingIsNotAvailable rather than InvalidSetting, as Exchange answers for a setting it knows but has no value for.
    /// </summary>
    public static readonly IReadOnlySet<string> KnownUserSettings = new HashSet<string>(StringComparer.Ordinal)
    {
        "InternalRpcClientServer", "InternalEcpUrl", "InternalEcpVoicemailUrl", "InternalEcpEmailSubscriptionsUrl",
        "InternalEcpTextMessagingUrl", "InternalEcpDeliveryReportUrl", "InternalEcpRetentionPolicyTagsUrl",
        "InternalEcpPublishingUrl", "InternalUMUrl", "InternalWebClientUrls", "PublicFolderServer",
        "EcpVoicemailUrlFragment", "EcpEmailSubscriptionsUrlFragment", "EcpTextMessagingUrlFragment",
        "EcpDeliveryReportUrlFragment", "EcpRetentionPolicyTagsUrlFragment", "EcpPublishingUrlFragment", "ExternalEcpUrl",
        "ExternalEcpVoicemailUrl", "ExternalEcpEmailSubscriptionsUrl", "ExternalEcpTextMessagingUrl",
        "ExternalEcpDeliveryReportUrl", "ExternalEcpRetentionPolicyTagsUrl", "ExternalEcpPublishingUrl", "ExternalUMUrl",
        "ExternalWebClientUrls", "AlternateMailboxes", "InternalPop3Connections", "ExternalPop3Connections",
        "InternalImap4Connections", "ExternalImap4Connections", "InternalSmtpConnections", "ExternalSmtpConnections",
        "InternalServerExclusiveConnect", "ExternalServerExclusiveConnect", "ExchangeRpcUrl", "ShowGalAsDefaultView",
        "InteropExternalEwsUrl", "InteropExternalEwsVersion", "MobileMailboxPolicyInterop", "GroupingInformation",
        "UserMSOnline", "ExternalPhotosUrl", "InternalPhotosUrl", "ExternalEwsPartnerUrl", "PublicFolderInformation",
        "EwsPartnerUrl", "CertPrincipalName",
    };
}
