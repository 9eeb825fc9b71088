using Rendezvous.Protocol;

namespace Rendezvous.Services;

/// <summary>MailTipsConfiguration as GetServiceConfiguration answers it (MailTipsServiceConfiguration).</summary>
public sealed record MailTipsConfiguration(
    bool Enabled,
    int MaxRecipientsPerRequest,
    int MaxMessageSize,
    int LargeAudienceThreshold,
    bool ShowExternalRecipientCount,
    IReadOnlyList<string> InternalDomains,
    bool PolicyTipsEnabled,
    int LargeAudienceCap);

/// <summary>
/// What a GetServiceConfiguration answers, for the configurations asked for: each null when not asked. Unified
/// messaging is always off; there are never protection rules (<see cref="ProtectionRulesDomains"/> lists the internal
/// domains the empty rule set applies to).
/// </summary>
public sealed record ServiceConfiguration(MailTipsConfiguration? MailTips, bool UnifiedMessaging, IReadOnlyList<string>? ProtectionRulesDomains)
{
    /// <summary>How often (hours) a client is to ask for the protection rules again (RefreshInterval, at least 1).</summary>
    public int ProtectionRulesRefreshHours { get; init; } = 24;
}

/// <summary>
/// The calls clients make while they set up (issue 17 §7): GetServiceConfiguration, GetPasswordExpirationDate,
/// GetAppManifests and GetAppMarketplaceUrl, answered as an Exchange with mail tips, without unified messaging,
/// protection rules or add-ins, and whose passwords never expire.
/// </summary>
public static class SetupService
{
    /// <summary>Recipients one GetMailTips may ask about (Exchange's default, MaxRecipientsPerGetMailTipsRequest).</summary>
    public const int MaxMailTipsRecipients = 100;

    /// <summary>Exchange's default LargeAudienceThreshold: a message to more recipients gets a mail tip.</summary>
    public const int LargeAudienceThreshold = 25;

    /// <summary>The date a password that never expires is reported with: no client warns of a date so far off.</summary>
    public static readonly DateTime NeverExpires = new(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The configurations asked for (ServiceConfigurationType names, already validated).</summary>
    public static async Task<ServiceConfiguration> GetServiceConfigurationAsync(Session session, IReadOnlySet<string> requested)
    {
        var wantsMailTips = requested.Contains(SchemaValues.ServiceConfigurationType.MailTips);
        var wantsRules = requested.Contains(SchemaValues.ServiceConfigurationType.ProtectionRules);
        var domains = wantsMailTips || wantsRules ? await InternalDomainsAsync(session) : [];
        var mailTips = wantsMailTips
            ? new MailTipsConfiguration(
                Enabled: true,
                MaxRecipientsPerRequest: MaxMailTipsRecipients,
                MaxMessageSize: (int)Math.Min(int.MaxValue, session.Attachments.MaxAttachmentBytes),
                LargeAudienceThreshold: LargeAudienceThreshold,
                ShowExternalRecipientCount: true,
                InternalDomains: domains,
                PolicyTipsEnabled: false,
                LargeAudienceCap: LargeAudienceThreshold * 40)
            : null;
        return new ServiceConfiguration(mailTips, requested.Contains(SchemaValues.ServiceConfigurationType.UnifiedMessagingConfiguration), wantsRules ? domains : null);
    }

    /// <summary>
    /// The date the password of a mailbox (the caller's, or the one named) expires: never, for every address alike, so
    /// the answer says nothing of another user, nor whether an address exists.
    /// </summary>
    public static DateTime GetPasswordExpirationDate() => NeverExpires;

    /// <summary>The domains of the server's own mailboxes: the internal ones, for mail tips and protection rules.</summary>
    public static async Task<IReadOnlyList<string>> InternalDomainsAsync(Session session)
    {
        var users = await session.Store.ListUsersAsync(session.Cancellation);
        return [.. users.Select(u => Domain(u.Address)).Append(Domain(session.Address)).Where(d => d.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];
    }

    /// <summary>The domain of an address, lower case ("" without one).</summary>
    public static string Domain(string address) =>
        address.LastIndexOf('@') is var at and >= 0 ? address[(at + 1)..].ToLowerInvariant() : "";
}
