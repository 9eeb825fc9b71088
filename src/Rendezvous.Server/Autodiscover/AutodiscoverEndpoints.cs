using System.Xml.Linq;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Rendezvous.Store;

namespace Rendezvous.Server.Autodiscover;

/// <summary>
/// The three autodiscover endpoints (POX, SOAP, JSON), each behind the same Basic sign-in as EWS. Routes match
/// case-insensitively (Outlook and exchangelib ask for /Autodiscover/Autodiscover.xml). Each reads its request, asks
/// <see cref="AutodiscoverService"/> and writes the answer in its own form; the errors are those of "Handling
/// Autodiscover error messages": a 200 carrying the error in the payload, 401 only from the sign-in.
/// </summary>
public static class AutodiscoverEndpoints
{
    public static void MapAutodiscover(this IEndpointRouteBuilder app)
    {
        app.MapPost("/autodiscover/autodiscover.xml", PoxAsync).RequireMailboxUser();
        app.MapPost("/autodiscover/autodiscover.svc", SoapAsync).RequireMailboxUser();
        app.MapGet("/autodiscover/autodiscover.json/v1.0/{email}", JsonAsync).RequireMailboxUser();
    }

    private static async Task PoxAsync(HttpContext http, IMailStore store, AutodiscoverBase origin, ServerOptions options)
    {
        if (await MailboxSignIn.UserAsync(http, store, http.RequestAborted) is not { } user)
        {
            await http.ChallengeAsync(MailboxSignIn.Scheme);
            return;
        }

        var urls = UrlsOf(http, origin);
        XDocument answer;
        try
        {
            var (address, schema) = AutodiscoverReader.ReadPox(await ReadAsync(http));
            if (string.IsNullOrEmpty(address))
            {
                throw new AutodiscoverRequestException("EMailAddress is missing.");
            }

            // Note: only the Outlook schema is served; a mobile-sync (ActiveSync) client is told it is not supported.
            answer = schema is not null && schema != AutodiscoverNames.Outlook.NamespaceName
                ? AutodiscoverWriter.PoxError(601, "The requested schema version is not supported.", options.Time.GetUtcNow(), urls.Host)
                : AutodiscoverService.Decide(user, address, urls) switch
                {
                    AutodiscoverAnswer.Settings settings => AutodiscoverWriter.PoxSettings(settings),
                    _ => AutodiscoverWriter.PoxError(500, "The e-mail address cannot be found.", options.Time.GetUtcNow(), urls.Host),
                };
        }
        catch (AutodiscoverRequestException)
        {
            answer = AutodiscoverWriter.PoxError(600, "Invalid Request", options.Time.GetUtcNow(), urls.Host);
        }

        await WriteAsync(http, StatusCodes.Status200OK, "text/xml; charset=utf-8", answer);
    }

    private static async Task SoapAsync(HttpContext http, IMailStore store, AutodiscoverBase origin)
    {
        if (await MailboxSignIn.UserAsync(http, store, http.RequestAborted) is not { } user)
        {
            await http.ChallengeAsync(MailboxSignIn.Scheme);
            return;
        }

        SoapAutodiscoverRequest request;
        try
        {
            request = AutodiscoverReader.ReadSoap(await ReadAsync(http));
        }
        catch (AutodiscoverRequestException e)
        {
            await WriteAsync(http, StatusCodes.Status500InternalServerError, "text/xml; charset=utf-8", AutodiscoverWriter.SoapFault("Client", e.Message));
            return;
        }

        var answer = request.Operation switch
        {
            "GetUserSettings" => UserSettings(request, user, UrlsOf(http, origin)),
            "GetDomainSettings" => DomainSettings(request, user, UrlsOf(http, origin)),
            _ => AutodiscoverWriter.SoapFault("Client", $"The operation '{Protocol.Values.Excerpt(request.Operation)}' is not supported by this autodiscover service."),
        };
        var fault = answer.Root?.Element(AutodiscoverNames.Soap + "Body")?.Element(AutodiscoverNames.Soap + "Fault") is not null;
        await WriteAsync(http, fault ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK, "text/xml; charset=utf-8", answer);
    }

    private static XDocument UserSettings(SoapAutodiscoverRequest request, UserRecord user, AutodiscoverUrls urls)
    {
        if (!request.HasRequest || request.Mailboxes.Count == 0 || request.Settings.Count == 0)
        {
            return AutodiscoverWriter.Soap(request.Operation, "InvalidRequest", "The request must name at least one user and one setting.", []);
        }

        var entries = request.Mailboxes.Select(mailbox => AutodiscoverService.Decide(user, mailbox, urls) switch
        {
            AutodiscoverAnswer.Settings settings => Entry(AutodiscoverService.UserSettings(settings.User, settings.Urls), request.Settings, AutodiscoverService.KnownUserSettings),
            _ => new AutodiscoverWriter.SoapEntry("InvalidUser", $"Invalid user: '{Protocol.Values.Excerpt(mailbox)}'", [], []),
        }).ToList();
        return AutodiscoverWriter.Soap(request.Operation, "NoError", "", entries);
    }

    private static XDocument DomainSettings(SoapAutodiscoverRequest request, UserRecord user, AutodiscoverUrls urls)
    {
        if (!request.HasRequest || request.Domains.Count == 0 || request.Settings.Count == 0)
        {
            return AutodiscoverWriter.Soap(request.Operation, "InvalidRequest", "The request must name at least one domain and one setting.", []);
        }

        var entries = request.Domains.Select(domain => AutodiscoverService.IsOwnDomain(user, domain)
            ? Entry(AutodiscoverService.DomainSettings(urls), request.Settings, new HashSet<string>(StringComparer.Ordinal))
            : new AutodiscoverWriter.SoapEntry("InvalidDomain", $"Invalid domain: '{Protocol.Values.Excerpt(domain)}'", [], [])).ToList();
        return AutodiscoverWriter.Soap(request.Operation, "NoError", "", entries);
    }

    /// <summary>The settings asked that exist, in the order asked; the others as SettingIsNotAvailable or InvalidSetting.</summary>
    private static AutodiscoverWriter.SoapEntry Entry(IReadOnlyDictionary<string, string> values, IReadOnlyList<string> asked, IReadOnlySet<string> known)
    {
        var settings = new List<KeyValuePair<string, string>>();
        var errors = new List<(string, string, string)>();
        foreach (var name in asked.Distinct(StringComparer.Ordinal))
        {
            if (values.TryGetValue(name, out var value))
            {
                settings.Add(new(name, value));
            }
            else if (known.Contains(name))
            {
                errors.Add((name, "SettingIsNotAvailable", "The requested setting is not available."));
            }
            else
            {
                errors.Add((Protocol.Values.Excerpt(name), "InvalidSetting", "The requested setting is invalid."));
            }
        }

        return new AutodiscoverWriter.SoapEntry("NoError", "No error.", settings, errors);
    }

    private static async Task JsonAsync(HttpContext http, string email, IMailStore store, AutodiscoverBase origin)
    {
        if (await MailboxSignIn.UserAsync(http, store, http.RequestAborted) is not { } user)
        {
            await http.ChallengeAsync(MailboxSignIn.Scheme);
            return;
        }

        var protocol = http.Request.Query["Protocol"].ToString();
        var (status, body) = protocol.Equals("EWS", StringComparison.OrdinalIgnoreCase)
            ? AutodiscoverService.Decide(user, email, UrlsOf(http, origin)) switch
            {
                AutodiscoverAnswer.Settings settings => (StatusCodes.Status200OK, AutodiscoverWriter.Json(("Protocol", "EWS"), ("Url", settings.Urls.Ews))),
                _ => (StatusCodes.Status404NotFound, AutodiscoverWriter.Json(("ErrorCode", "UserNotFound"), ("ErrorMessage", "The e-mail address cannot be found."))),
            }
            // What Exchange Online answers for a protocol it does not serve (ActiveSync included: this server has none).
            : (StatusCodes.Status400BadRequest, AutodiscoverWriter.Json(
                ("ErrorCode", "InvalidProtocol"),
                ("ErrorMessage", $"The given protocol value '{Protocol.Values.Excerpt(protocol)}' is invalid. Supported values are 'Ews'.")));
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    private static AutodiscoverUrls UrlsOf(HttpContext http, AutodiscoverBase origin) =>
        origin.For(http.Request.Scheme, http.Request.Host.Value ?? "localhost", http.Request.PathBase.Value ?? "");

    private static async Task<XDocument> ReadAsync(HttpContext http)
    {
        if (http.Request.ContentLength > AutodiscoverReader.MaxBytes)
        {
            throw new AutodiscoverRequestException("The request is too large.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > AutodiscoverReader.MaxBytes)
            {
                throw new AutodiscoverRequestException("The request is too large.");
            }

            buffer.Write(chunk, 0, read);
        }

        buffer.Position = 0;
        return AutodiscoverReader.Parse(buffer);
    }

    private static async Task WriteAsync(HttpContext http, int status, string contentType, XDocument document)
    {
        using var buffer = new MemoryStream();
        document.Save(buffer, SaveOptions.DisableFormatting);
        http.Response.StatusCode = status;
        http.Response.ContentType = contentType;
        http.Response.ContentLength = buffer.Length;
        await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), http.RequestAborted);
    }
}
