using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Rendezvous.Protocol;

namespace Rendezvous.Client;

/// <summary>
/// One SOAP round trip: writes the envelope (RequestServerVersion, TimeZoneContext), posts it, and returns the
/// operation's response element, or throws the fault or HTTP error as a typed exception.
/// </summary>
internal sealed class EwsTransport(EwsClientOptions options, HttpClient http)
{
    private static readonly XmlWriterSettings WriterSettings = new() { Encoding = new UTF8Encoding(false), Indent = false };

    // Responses come from a server we may not trust: no DTDs, no external resolution, bounded size.
    private readonly XmlReaderSettings readerSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = options.MaxResponseBytes,
        IgnoreWhitespace = false,
        Async = true,
    };

    public ServerVersionInfo? ServerVersion { get; private set; }

    /// <summary>Sends one operation and returns its m:{Operation}Response element (GetUserAvailability: m:GetUserAvailabilityResponse).</summary>
    public async Task<XElement> SendAsync(string operation, Action<EwsWriter> writeOperation, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url)
        {
            Content = new ByteArrayContent(Envelope(writeOperation)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/xml") { CharSet = "utf-8" };
        request.Headers.Authorization = options.Credentials.Header();
        request.Headers.Accept.ParseAdd("text/xml");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength > options.MaxResponseBytes)
        {
            throw new EwsHttpException((int)response.StatusCode, $"The response of {operation} is larger than {options.MaxResponseBytes} bytes.");
        }

        var isXml = response.Content.Headers.ContentType?.MediaType?.Contains("xml", StringComparison.OrdinalIgnoreCase) == true;
        if (!response.IsSuccessStatusCode && !(response.StatusCode == HttpStatusCode.InternalServerError && isXml))
        {
            throw new EwsHttpException((int)response.StatusCode, HttpMessage(response.StatusCode));
        }

        XDocument document;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var reader = XmlReader.Create(stream, readerSettings);
            document = await XDocument.LoadAsync(reader, LoadOptions.None, cancellationToken).ConfigureAwait(false);
        }
        catch (XmlException e)
        {
            throw new EwsHttpException((int)response.StatusCode, $"The server's answer to {operation} is not XML ({e.Message}).");
        }

        var envelope = document.Root;
        if (envelope?.Name != Ews.Soap + "Envelope")
        {
            throw new EwsHttpException((int)response.StatusCode, $"The server's answer to {operation} is not a SOAP envelope.");
        }

        if (envelope.Element(Ews.Soap + "Header")?.Element(Ews.T + "ServerVersionInfo") is { } info)
        {
            ServerVersion = ReadServerVersion(info);
        }

        var body = envelope.Element(Ews.Soap + "Body");
        if (body?.Element(Ews.Soap + "Fault") is { } fault)
        {
            throw ReadFault(fault);
        }

        var name = Ews.M + (operation == "GetUserAvailabilityRequest" ? "GetUserAvailabilityResponse" : operation + "Response");
        return body?.Element(name)
            ?? throw new EwsHttpException((int)response.StatusCode, $"The server's answer has no {name.LocalName}.");
    }

    internal static ServerVersionInfo ReadServerVersion(XElement info)
    {
        static int Number(XElement e, string name) =>
            int.TryParse((string?)e.Attribute(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

        return new ServerVersionInfo(
            Number(info, "MajorVersion"),
            Number(info, "MinorVersion"),
            Number(info, "MajorBuildNumber"),
            Number(info, "MinorBuildNumber"),
            (string?)info.Attribute("Version"));
    }

    /// <summary>
    /// A SOAP fault as an exception. The EWS code is in detail/ResponseCode (errors namespace); faultcode carries it too
    /// ("a:ErrorSchemaValidation") on Exchange, and only there on some servers.
    /// </summary>
    internal static EwsFaultException ReadFault(XElement fault)
    {
        var detail = fault.Element("detail");
        var code = detail?.Elements().FirstOrDefault(e => e.Name.LocalName == "ResponseCode")?.Value.Trim();
        if (string.IsNullOrEmpty(code))
        {
            var faultCode = fault.Element("faultcode")?.Value ?? "";
            var local = faultCode[(faultCode.IndexOf(':', StringComparison.Ordinal) + 1)..];
            code = local.StartsWith("Error", StringComparison.Ordinal) ? local : ResponseCodes.ErrorInternalServerError;
        }

        var message = detail?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value
            ?? fault.Element("faultstring")?.Value
            ?? code;
        var where = detail?.Elements().FirstOrDefault(e => e.Name.LocalName == "MessageXml")?.Elements().ToList() ?? [];
        var line = (int?)where.FirstOrDefault(e => e.Name.LocalName == "LineNumber") ?? 0;
        var position = (int?)where.FirstOrDefault(e => e.Name.LocalName == "LinePosition") ?? 0;
        return new EwsFaultException(code, message.Trim(), line, position);
    }

    private byte[] Envelope(Action<EwsWriter> writeOperation)
    {
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, WriterSettings))
        {
            var w = new EwsWriter(xml);
            xml.WriteStartElement("soap", "Envelope", Ews.SoapNs);
            xml.WriteAttributeString("xmlns", "t", null, Ews.TypesNs);
            xml.WriteAttributeString("xmlns", "m", null, Ews.MessagesNs);
            xml.WriteStartElement("soap", "Header", Ews.SoapNs);
            w.StartT("RequestServerVersion");
            w.Attr("Version", options.RequestServerVersion.ToString());
            w.End();
            if (options.TimeZone is { } zone && options.RequestServerVersion >= ExchangeVersion.Exchange2010)
            {
                w.StartT("TimeZoneContext");
                w.StartT("TimeZoneDefinition");
                w.Attr("Id", TimeZones.WindowsId(zone) ?? throw new ArgumentException($"Unknown time zone '{zone}'.", nameof(options)));
                w.End();
                w.End();
            }

            xml.WriteEndElement();
            xml.WriteStartElement("soap", "Body", Ews.SoapNs);
            writeOperation(w);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        return buffer.ToArray();
    }

    private static string HttpMessage(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "HTTP 401: the server refused the credentials.",
        HttpStatusCode.Forbidden => "HTTP 403: the account may not use EWS.",
        HttpStatusCode.NotFound => "HTTP 404: no EWS endpoint at this URL (it usually ends in /EWS/Exchange.asmx).",
        _ => $"HTTP {(int)status} {status}.",
    };
}
