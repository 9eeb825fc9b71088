using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>
/// The setup calls' requests read and responses written (GetServiceConfiguration, GetPasswordExpirationDate,
/// GetAppManifests, GetAppMarketplaceUrl). Their responses are no ResponseMessages array: the response element is itself
/// the response message (ResponseClass, ResponseCode), as the schema has them.
/// </summary>
public static class SetupEdge
{
    /// <summary>GetServiceConfiguration's RequestedConfiguration: each ConfigurationName is a list of ServiceConfigurationType.</summary>
    public static IReadOnlySet<string> ReadRequestedConfiguration(EwsRequest request)
    {
        var requested = EwsRequest.Required(request.Operation, "RequestedConfiguration");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in requested.Elements(Ews.M + "ConfigurationName"))
        {
            foreach (var token in name.Value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
            {
                names.Add(Values.Enum(name, token, SchemaValues.ServiceConfigurationType.All, "ServiceConfigurationType"));
            }
        }

        return names.Count == 0 ? throw SoapRequest.Schema(requested, "RequestedConfiguration names no configuration.") : names;
    }

    /// <summary>GetPasswordExpirationDate's MailboxSmtpAddress, when given.</summary>
    public static string? ReadMailboxSmtpAddress(EwsRequest request) => request.Operation.Element(Ews.M + "MailboxSmtpAddress")?.Value;

    public static Action<EwsWriter> ServiceConfiguration(ServiceConfiguration c) => w =>
    {
        w.StartM("GetServiceConfigurationResponse");
        w.Attr("ResponseClass", SchemaValues.ResponseClassType.Success);
        w.M("ResponseCode", ResponseCodes.NoError);
        w.StartM("ResponseMessages");
        SoapWriter.WriteMessage(w, "ServiceConfigurationResponseMessageType", null, w =>
        {
            // In the sequence of ServiceConfigurationResponseMessageType.
            if (c.MailTips is { } tips)
            {
                w.StartM("MailTipsConfiguration");
                w.T("MailTipsEnabled", tips.Enabled);
                w.T("MaxRecipientsPerGetMailTipsRequest", tips.MaxRecipientsPerRequest);
                w.T("MaxMessageSize", tips.MaxMessageSize);
                w.T("LargeAudienceThreshold", tips.LargeAudienceThreshold);
                w.T("ShowExternalRecipientCount", tips.ShowExternalRecipientCount);
                Domains(w, tips.InternalDomains);
                w.T("PolicyTipsEnabled", tips.PolicyTipsEnabled);
                w.T("LargeAudienceCap", tips.LargeAudienceCap);
                w.End();
            }

            if (c.UnifiedMessaging)
            {
                w.StartM("UnifiedMessagingConfiguration");
                w.T("UmEnabled", false);
                w.T("PlayOnPhoneDialString", "");
                w.T("PlayOnPhoneEnabled", false);
                w.End();
            }

            if (c.ProtectionRulesDomains is { } domains)
            {
                w.StartM("ProtectionRulesConfiguration");
                w.Attr("RefreshInterval", Values.Format(c.ProtectionRulesRefreshHours));
                w.StartT("Rules");
                w.End();
                Domains(w, domains);
                w.End();
            }
        });
        w.End();
        w.End();
    };

    private static void Domains(EwsWriter w, IReadOnlyList<string> domains)
    {
        w.StartT("InternalDomains");
        foreach (var domain in domains)
        {
            w.StartT("Domain");
            w.Attr("Name", domain);
            w.End();
        }

        w.End();
    }

    /// <summary>A response whose element is itself the response message: success with <paramref name="content"/>, or the error.</summary>
    public static Action<EwsWriter> Single<T>(string element, Outcome<T> outcome, Action<EwsWriter, T> content) => w =>
    {
        w.StartM(element);
        if (outcome.Error is { } error)
        {
            w.Attr("ResponseClass", SchemaValues.ResponseClassType.Error);
            w.M("MessageText", Values.ErrorText(error.Message));
            w.M("ResponseCode", error.Code);
            w.M("DescriptiveLinkKey", "0");
        }
        else
        {
            w.Attr("ResponseClass", SchemaValues.ResponseClassType.Success);
            w.M("ResponseCode", ResponseCodes.NoError);
            content(w, outcome.Value!);
        }

        w.End();
    };

    /// <summary>GetPasswordExpirationDate's response: the date (in UTC, whatever the request's zone: it is a date, not a meeting time).</summary>
    public static Action<EwsWriter> PasswordExpirationDate(DateTime date) =>
        Single("GetPasswordExpirationDateResponse", new Outcome<DateTime>(date, null), (w, d) => w.M("PasswordExpirationDate", Values.Format(d)));

    /// <summary>
    /// GetAppManifests' response with no add-in: an empty Apps (Exchange 2016's form; the schema's choice needs one of
    /// Apps and Manifests, and Manifests is the older form for clients that ask with an ApiVersionSupported below 1.1).
    /// </summary>
    public static Action<EwsWriter> AppManifests() =>
        Single("GetAppManifestsResponse", new Outcome<bool>(true, null), (w, _) =>
        {
            w.StartM("Apps");
            w.End();
        });

    /// <summary>GetAppMarketplaceUrl's response with no marketplace: success, and no AppMarketplaceUrl (which the schema lets out).</summary>
    public static Action<EwsWriter> AppMarketplaceUrl() =>
        Single("GetAppMarketplaceUrlResponse", new Outcome<bool>(true, null), (_, _) => { });
}
