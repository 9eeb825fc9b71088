using System.Text;
using System.Xml;

namespace Rendezvous.Protocol;

/// <summary>Writes SOAP envelopes: every one, faults included, carries ServerVersionInfo.</summary>
public static class SoapWriter
{
    /// <summary>The settings whose output <see cref="Utf8ResponseWriter"/> reproduces byte for byte (the tests' reference writer).</summary>
    internal static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(false),
        Indent = false,
        // A carriage return in text goes out as &#xD;, so it survives the reader's line-end normalisation: a body
        // stored with CRLF reads back with CRLF (exchangelib compares converted bodies with "\r\n").
        NewLineHandling = NewLineHandling.Entitize,
        CloseOutput = false,
        Async = false,
    };

    /// <summary>
    /// Makes the writer of each envelope. Tests set it to one that writes through both this and .NET's writer and
    /// compares the bytes, so that every response of the suite proves the two alike.
    /// </summary>
    internal static Func<Stream, XmlWriter> CreateWriter { get; set; } = static output => new Utf8ResponseWriter(output);

    /// <summary>Writes an envelope whose body <paramref name="writeBody"/> writes, times in <paramref name="zone"/> (null: UTC).</summary>
    public static void WriteResponse(Stream output, Action<EwsWriter> writeBody, TimeZoneInfo? zone = null) =>
        Write(output, writeBody, zone, declareXsi: false);

    /// <summary>
    /// <see cref="WriteResponse(Stream, Action{EwsWriter}, TimeZoneInfo?)"/> for a body with xsi attributes (ConvertId's
    /// xsi:type, a user configuration's xsi:nil): the xsi prefix is declared on the envelope.
    /// </summary>
    /// <remarks>
    /// Only then: .NET's XmlWriter pushes one namespace entry per element written with a prefix, and from the sixteenth
    /// entry on it keeps them in a hashtable for the rest of the document, hashing the prefix at every element start and
    /// end. One declaration more on the envelope crossed that line at a calendar view's Organizer/Mailbox/Name depth: 7%
    /// of a recurring week view's CPU (issue 14's regression).
    /// </remarks>
    public static void WriteResponseDeclaringXsi(Stream output, Action<EwsWriter> writeBody, TimeZoneInfo? zone) =>
        Write(output, writeBody, zone, declareXsi: true);

    /// <summary>
    /// One part of a streamed response (GetStreamingEvents) as Exchange writes it: the SOAP namespace the default one,
    /// so the part is an unprefixed Envelope. ews-javascript-api (the EWS Managed API's port) finds each part of a
    /// stream by looking for the text "&lt;Envelope" and "&lt;/Envelope&gt;".
    /// </summary>
    public static void WriteStreamedResponse(Stream output, Action<EwsWriter> writeBody, TimeZoneInfo? zone) =>
        Write(output, writeBody, zone, declareXsi: false, soapPrefix: "");

    private static void Write(Stream output, Action<EwsWriter> writeBody, TimeZoneInfo? zone, bool declareXsi, string soapPrefix = "s")
    {
        using var xml = CreateWriter(output);
        var w = new EwsWriter(xml, zone);
        StartEnvelope(xml, declareXsi, soapPrefix);
        xml.WriteStartElement(soapPrefix, "Body", Ews.SoapNs);
        writeBody(w);
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void StartEnvelope(XmlWriter xml, bool declareXsi, string soapPrefix = "s")
    {
        xml.WriteStartDocument();
        xml.WriteStartElement(soapPrefix, "Envelope", Ews.SoapNs);
        xml.WriteAttributeString("xmlns", "m", null, Ews.MessagesNs);
        xml.WriteAttributeString("xmlns", "t", null, Ews.TypesNs);
        // Declared before any element can carry an xsi:type (ConvertId's AlternateId), as Exchange declares it above
        // the response: a strict parser (ews-javascript-api) reads an attribute's prefix from what is in scope already.
        if (declareXsi)
        {
            xml.WriteAttributeString("xmlns", "xsi", null, Ews.XsiNs);
        }

        xml.WriteStartElement(soapPrefix, "Header", Ews.SoapNs);
        xml.WriteStartElement("h", "ServerVersionInfo", Ews.TypesNs);
        xml.WriteAttributeString("MajorVersion", Values.Format(ExchangeVersions.MajorVersion));
        xml.WriteAttributeString("MinorVersion", Values.Format(ExchangeVersions.MinorVersion));
        xml.WriteAttributeString("MajorBuildNumber", Values.Format(ExchangeVersions.MajorBuildNumber));
        xml.WriteAttributeString("MinorBuildNumber", Values.Format(ExchangeVersions.MinorBuildNumber));
        xml.WriteAttributeString("Version", ExchangeVersions.Server.ToString());
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    /// <summary>A SOAP 1.1 fault in the shape Exchange uses: faultcode a:Code, detail with e:ResponseCode and e:Message.</summary>
    public static void WriteFault(Stream output, EwsException error)
    {
        using var xml = CreateWriter(output);
        StartEnvelope(xml, declareXsi: true);
        var message = Values.ErrorText(error.Message);
        xml.WriteStartElement("s", "Body", Ews.SoapNs);
        xml.WriteStartElement("s", "Fault", Ews.SoapNs);
        xml.WriteStartElement("faultcode");
        xml.WriteAttributeString("xmlns", "a", null, Ews.TypesNs);
        xml.WriteString("a:" + error.Code);
        xml.WriteEndElement();
        xml.WriteStartElement("faultstring");
        xml.WriteAttributeString("xml", "lang", null, "en-US");
        xml.WriteString(message);
        xml.WriteEndElement();
        xml.WriteStartElement("detail");
        xml.WriteElementString("e", "ResponseCode", Ews.ErrorsNs, error.Code);
        xml.WriteElementString("e", "Message", Ews.ErrorsNs, message);
        if (error is EwsFaultException { Line: > 0 } fault)
        {
            xml.WriteStartElement("t", "MessageXml", Ews.TypesNs);
            xml.WriteElementString("t", "LineNumber", Ews.TypesNs, Values.Format(fault.Line));
            xml.WriteElementString("t", "LinePosition", Ews.TypesNs, Values.Format(fault.Position));
            xml.WriteElementString("t", "Violation", Ews.TypesNs, Values.ErrorText(fault.Violation ?? fault.Message));
            xml.WriteEndElement();
        }
        else if (error is EwsFaultException { BackOffMilliseconds: { } backOff })
        {
            // Note: exchangelib reads the hint from t:MessageXml/t:Value[@Name='BackOffMilliseconds'] and waits that long.
            xml.WriteStartElement("t", "MessageXml", Ews.TypesNs);
            xml.WriteStartElement("t", "Value", Ews.TypesNs);
            xml.WriteAttributeString("Name", "BackOffMilliseconds");
            xml.WriteString(Values.Format(backOff));
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    /// <summary>
    /// One ResponseMessage: on success the caller writes its content; on error, MessageText, ResponseCode,
    /// DescriptiveLinkKey, and the content the schema requires even then (for example an empty Items).
    /// </summary>
    public static void WriteMessage(EwsWriter w, string element, EwsException? error, Action<EwsWriter> content, Action<EwsWriter>? errorContent = null)
    {
        w.StartM(element);
        if (error is null)
        {
            w.Attr("ResponseClass", SchemaValues.ResponseClassType.Success);
            w.M("ResponseCode", ResponseCodes.NoError);
            content(w);
        }
        else
        {
            w.Attr("ResponseClass", SchemaValues.ResponseClassType.Error);
            w.M("MessageText", Values.ErrorText(error.Message));
            w.M("ResponseCode", error.Code);
            w.M("DescriptiveLinkKey", "0");
            errorContent?.Invoke(w);
        }

        w.End();
    }
}
