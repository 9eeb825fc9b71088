using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace Rendezvous.Server.Autodiscover;

/// <summary>The autodiscover namespaces (the documentation's pages print them with https, Exchange sends http).</summary>
public static class AutodiscoverNames
{
    public static readonly XNamespace PoxRequest = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";
    public static readonly XNamespace PoxResponse = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    public static readonly XNamespace Outlook = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
    public static readonly XNamespace Soap = "http://schemas.xmlsoap.org/soap/envelope/";
    public static readonly XNamespace Addressing = "http://www.w3.org/2005/08/addressing";
    public static readonly XNamespace Autodiscover = "http://schemas.microsoft.com/exchange/2010/Autodiscover";
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>The WS-Addressing action of a SOAP autodiscover operation (its response adds "Response").</summary>
    public static string Action(string operation) => "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/" + operation;
}

/// <summary>An autodiscover request body that is not what it should be: the wire's "invalid request" error.</summary>
public sealed class AutodiscoverRequestException(string message) : Exception(message);

/// <summary>Reading the autodiscover request bodies: no DTD, no resolver, bounded in size.</summary>
public static class AutodiscoverReader
{
    /// <summary>An autodiscover request is a few hundred bytes; anything far larger is not one.</summary>
    public const int MaxBytes = 64 * 1024;

    public static XDocument Parse(Stream body)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxBytes,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        try
        {
            using var reader = XmlReader.Create(body, settings);
            return XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new AutodiscoverRequestException("The request is not well-formed XML: " + e.Message);
        }
    }

    /// <summary>POX (Outlook 2006 request schema): EMailAddress and AcceptableResponseSchema of Autodiscover/Request.</summary>
    public static (string? Address, string? Schema) ReadPox(XDocument document)
    {
        // Note: matched by local name under the request root: some clients send the elements unqualified.
        var root = document.Root;
        if (root is null || root.Name.LocalName != "Autodiscover" || root.Elements().FirstOrDefault(e => e.Name.LocalName == "Request") is not { } request)
        {
            throw new AutodiscoverRequestException("The request has no Autodiscover/Request element.");
        }

        var address = request.Elements().FirstOrDefault(e => e.Name.LocalName == "EMailAddress")?.Value.Trim();
        var schema = request.Elements().FirstOrDefault(e => e.Name.LocalName == "AcceptableResponseSchema")?.Value.Trim();
        return (address, schema);
    }

    /// <summary>A SOAP autodiscover request: the operation (the body's message element, else the Action header) and its Request.</summary>
    public static SoapAutodiscoverRequest ReadSoap(XDocument document)
    {
        var n = AutodiscoverNames.Autodiscover;
        var envelope = document.Root;
        if (envelope is null || envelope.Name != AutodiscoverNames.Soap + "Envelope" || envelope.Element(AutodiscoverNames.Soap + "Body") is not { } body)
        {
            throw new AutodiscoverRequestException("The request is not a SOAP 1.1 envelope.");
        }

        var action = envelope.Element(AutodiscoverNames.Soap + "Header")?.Element(AutodiscoverNames.Addressing + "Action")?.Value.Trim();
        var message = body.Elements().FirstOrDefault();
        var operation = message?.Name.Namespace == n && message.Name.LocalName.EndsWith("RequestMessage", StringComparison.Ordinal)
            ? message.Name.LocalName[..^"RequestMessage".Length]
            : action?[(action.LastIndexOf('/') + 1)..] ?? "";
        var request = message?.Element(n + "Request");
        var settings = request?.Element(n + "RequestedSettings")?.Elements(n + "Setting").Select(s => s.Value.Trim()).ToList() ?? [];
        var mailboxes = request?.Element(n + "Users")?.Elements(n + "User").Select(u => u.Element(n + "Mailbox")?.Value.Trim() ?? "").ToList() ?? [];
        var domains = request?.Element(n + "Domains")?.Elements(n + "Domain").Select(d => d.Value.Trim()).ToList() ?? [];
        return new SoapAutodiscoverRequest(operation, request is not null, mailboxes, domains, settings);
    }
}

/// <summary>GetUserSettings (Mailboxes) or GetDomainSettings (Domains), with the settings asked.</summary>
public sealed record SoapAutodiscoverRequest(string Operation, bool HasRequest, IReadOnlyList<string> Mailboxes, IReadOnlyList<string> Domains, IReadOnlyList<string> Settings);

/// <summary>Writing the autodiscover answers in their three forms.</summary>
public static class AutodiscoverWriter
{
    /// <summary>POX settings: User, then Account with EXCH, EXPR and WEB, as Exchange 2016 answers Outlook.</summary>
    public static XDocument PoxSettings(AutodiscoverAnswer.Settings answer)
    {
        XNamespace o = AutodiscoverNames.Outlook;
        var urls = answer.Urls;
        var user = answer.User;
        var ssl = urls.Secure ? "On" : "Off";
        XElement Protocol(string type, params object[] content) => new(o + "Protocol", new XElement(o + "Type", type), content);
        object[] Urls() =>
        [
            new XElement(o + "ASUrl", urls.Ews),
            new XElement(o + "EwsUrl", urls.Ews),
            new XElement(o + "OOFUrl", urls.Ews),
            new XElement(o + "OABUrl", urls.Oab),
        ];
        return new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(AutodiscoverNames.PoxResponse + "Autodiscover",
                new XElement(o + "Response",
                    new XElement(o + "User",
                        new XElement(o + "DisplayName", user.DisplayName),
                        new XElement(o + "LegacyDN", AutodiscoverService.LegacyDn(user)),
                        new XElement(o + "AutoDiscoverSMTPAddress", user.Address),
                        new XElement(o + "DeploymentId", AutodiscoverService.DeploymentId(user))),
                    new XElement(o + "Account",
                        new XElement(o + "AccountType", "email"),
                        new XElement(o + "Action", "settings"),
                        new XElement(o + "MicrosoftOnline", "False"),
                        Protocol("EXCH",
                            new XElement(o + "Server", urls.Host),
                            new XElement(o + "ServerDN", AutodiscoverService.ServerDn(urls)),
                            new XElement(o + "ServerVersion", AutodiscoverService.PoxServerVersion),
                            new XElement(o + "MdbDN", AutodiscoverService.MdbDn(urls)),
                            new XElement(o + "AuthPackage", "basic"),
                            Urls(),
                            new XElement(o + "ServerExclusiveConnect", "off")),
                        Protocol("EXPR",
                            new XElement(o + "Server", urls.Host),
                            new XElement(o + "SSL", ssl),
                            new XElement(o + "AuthPackage", "basic"),
                            Urls(),
                            new XElement(o + "ServerExclusiveConnect", "on")),
                        Protocol("WEB",
                            new XElement(o + "Internal",
                                new XElement(o + "Protocol",
                                    new XElement(o + "Type", "EXCH"),
                                    new XElement(o + "ASUrl", urls.Ews))),
                            new XElement(o + "External",
                                new XElement(o + "Protocol",
                                    new XElement(o + "Type", "EXPR"),
                                    new XElement(o + "ASUrl", urls.Ews))))))));
    }

    /// <summary>A POX error: 500 (address not found), 600 (invalid request), 601 (schema not supported).</summary>
    public static XDocument PoxError(int code, string message, DateTimeOffset now, string serverName)
    {
        XNamespace r = AutodiscoverNames.PoxResponse;
        // Id is "a hash of the name of the computer" (Error (POX)); a stable one, not a secret.
        var id = unchecked((uint)serverName.Aggregate(17, (h, c) => (h * 31) + c));
        return new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(r + "Autodiscover",
                new XElement(r + "Response",
                    new XElement(r + "Error",
                        new XAttribute("Time", now.UtcDateTime.ToString("HH:mm:ss.fffffff", CultureInfo.InvariantCulture)),
                        new XAttribute("Id", id.ToString(CultureInfo.InvariantCulture)),
                        new XElement(r + "ErrorCode", code.ToString(CultureInfo.InvariantCulture)),
                        new XElement(r + "Message", message),
                        new XElement(r + "DebugData")))));
    }

    /// <summary>One UserResponse or DomainResponse: its error, and the settings given or refused.</summary>
    public sealed record SoapEntry(string ErrorCode, string ErrorMessage, IReadOnlyList<KeyValuePair<string, string>> Settings, IReadOnlyList<(string Name, string Code, string Message)> SettingErrors);

    /// <summary>
    /// A SOAP answer: the Action header (mustUnderstand) and ServerVersionInfo as Exchange sends them (ews-javascript-api
    /// reads ServerVersionInfo from every response), then the message. A whole-request error carries no entries.
    /// </summary>
    public static XDocument Soap(string operation, string errorCode, string errorMessage, IReadOnlyList<SoapEntry> entries)
    {
        XNamespace n = AutodiscoverNames.Autodiscover;
        XNamespace s = AutodiscoverNames.Soap;
        XNamespace i = AutodiscoverNames.Xsi;
        var user = operation == "GetUserSettings";
        var kind = user ? "User" : "Domain";
        XElement Entry(SoapEntry entry) => new(n + (kind + "Response"),
            new XElement(n + "ErrorCode", entry.ErrorCode),
            new XElement(n + "ErrorMessage", entry.ErrorMessage),
            user ? new XElement(n + "RedirectTarget", new XAttribute(i + "nil", "true")) : null,
            new XElement(n + (kind + "SettingErrors"), entry.SettingErrors.Select(e => new XElement(n + (kind + "SettingError"),
                new XElement(n + "ErrorCode", e.Code),
                new XElement(n + "ErrorMessage", e.Message),
                new XElement(n + "SettingName", e.Name)))),
            new XElement(n + (kind + "Settings"), entry.Settings.Select(p => new XElement(n + (kind + "Setting"),
                new XAttribute(i + "type", user ? "StringSetting" : "DomainStringSetting"),
                new XElement(n + "Name", p.Key),
                new XElement(n + "Value", p.Value)))),
            user ? null : new XElement(n + "RedirectTarget", new XAttribute(i + "nil", "true")));
        return new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(s + "Envelope",
                new XAttribute(XNamespace.Xmlns + "s", s.NamespaceName),
                new XAttribute(XNamespace.Xmlns + "a", AutodiscoverNames.Addressing.NamespaceName),
                new XElement(s + "Header",
                    new XElement(AutodiscoverNames.Addressing + "Action", new XAttribute(s + "mustUnderstand", "1"), AutodiscoverNames.Action(operation + "Response")),
                    new XElement(n + "ServerVersionInfo",
                        new XAttribute(XNamespace.Xmlns + "h", n.NamespaceName),
                        new XElement(n + "MajorVersion", Protocol.ExchangeVersions.MajorVersion),
                        new XElement(n + "MinorVersion", Protocol.ExchangeVersions.MinorVersion),
                        new XElement(n + "MajorBuildNumber", Protocol.ExchangeVersions.MajorBuildNumber),
                        new XElement(n + "MinorBuildNumber", Protocol.ExchangeVersions.MinorBuildNumber),
                        new XElement(n + "Version", Protocol.ExchangeVersions.Server.ToString()))),
                new XElement(s + "Body",
                    new XElement(n + (operation + "ResponseMessage"),
                        new XAttribute("xmlns", n.NamespaceName),
                        new XElement(n + "Response",
                            new XAttribute(XNamespace.Xmlns + "i", i.NamespaceName),
                            new XElement(n + "ErrorCode", errorCode),
                            new XElement(n + "ErrorMessage", errorMessage),
                            new XElement(n + (kind + "Responses"), entries.Select(Entry)))))));
    }

    /// <summary>A SOAP 1.1 fault, for an envelope that cannot be read or an operation this endpoint does not have.</summary>
    public static XDocument SoapFault(string code, string message)
    {
        XNamespace s = AutodiscoverNames.Soap;
        return new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(s + "Envelope",
                new XAttribute(XNamespace.Xmlns + "s", s.NamespaceName),
                new XElement(s + "Body",
                    new XElement(s + "Fault",
                        new XElement("faultcode", "s:" + code),
                        new XElement("faultstring", new XAttribute(XNamespace.Xml + "lang", "en-US"), message)))));
    }

    /// <summary>The JSON answer of autodiscover.json: {"Protocol":"EWS","Url":"..."}, or {"ErrorCode":..,"ErrorMessage":..}.</summary>
    public static byte[] Json(params (string Name, string Value)[] fields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
