using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Rendezvous.Protocol;

/// <summary>Limits applied to every request body before anything else reads it.</summary>
public sealed record XmlLimits(long MaxRequestBytes = 10 * 1024 * 1024, int MaxDepth = 64);

/// <summary>
/// A parsed SOAP 1.1 request: the EWS headers that matter and the operation element (with line info,
/// so that later mapping errors can name their line and position).
/// </summary>
public sealed class SoapRequest
{
    private SoapRequest(XElement operation, ExchangeVersion version, bool versionGiven, string? timeZoneContext, ConnectingSid? impersonation, BinarySpool? spool)
    {
        Impersonation = impersonation;
        Spool = spool;
        Operation = operation;
        Version = version;
        VersionGiven = versionGiven;
        TimeZoneContext = timeZoneContext;
        ImpersonatedAddress = impersonation?.Kind is ConnectingIdKind.Sid ? null : impersonation?.Value;
    }

    /// <summary>Where the file attachment contents of the request were decoded to (their text in the document is a token), when parsed with one.</summary>
    public BinarySpool? Spool { get; }

    /// <summary>The first element of soap:Body: the operation and its arguments.</summary>
    public XElement Operation { get; }

    /// <summary>The operation's element name (GetItem, CreateItem, ...), what the server dispatches on.</summary>
    public string OperationName => Operation.Name.LocalName;

    /// <summary>The RequestServerVersion; Exchange2007 when absent, as Exchange does.</summary>
    public ExchangeVersion Version { get; }

    /// <summary>Whether the request named its version (RequestServerVersion) at all.</summary>
    public bool VersionGiven { get; }

    /// <summary>The TimeZoneContext's TimeZoneDefinition Id as a Windows id, when given.</summary>
    public string? TimeZoneContext { get; }

    /// <summary>The TimeZoneContext zone: times without an offset are read in it and every time is written in it.</summary>
    public TimeZoneInfo? Zone => TimeZoneContext is null ? null : TimeZones.Find(TimeZoneContext);

    /// <summary>The address (SMTP, or the principal name) of ExchangeImpersonation's ConnectingSID, when the request has one naming an address.</summary>
    public string? ImpersonatedAddress { get; }

    /// <summary>The account ExchangeImpersonation names, when the request has the header.</summary>
    public ConnectingSid? Impersonation { get; }

    /// <summary>Settings for every XML read in the server: no DTD, no external resolution, bounded size.</summary>
    public static XmlReaderSettings ReaderSettings(XmlLimits limits) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = limits.MaxRequestBytes,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = false,
        CloseInput = false,
        Async = false,
    };

    /// <summary>Parses an already size-checked body. Throws <see cref="EwsFaultException"/> for anything unusable.</summary>
    public static SoapRequest Parse(Stream body, XmlLimits limits) => Parse(body, limits, null);

    /// <summary>
    /// <see cref="Parse(Stream, XmlLimits)"/>, decoding each FileAttachment's Content into <paramref name="spool"/> as it is
    /// read (the document holds a token in its place), so that large attachments never become strings.
    /// </summary>
    public static SoapRequest Parse(Stream body, XmlLimits limits, BinarySpool? spool) => Parse(body, limits, spool, null);

    /// <summary>
    /// <see cref="Parse(Stream, XmlLimits, BinarySpool?)"/>, checking the operation element against the schema only when
    /// <paramref name="isServed"/> says the server answers it (null: always). An operation the server does not answer
    /// is then refused by its name, not for the arguments it was sent with.
    /// </summary>
    public static SoapRequest Parse(Stream body, XmlLimits limits, BinarySpool? spool, Func<string, bool>? isServed)
    {
        XDocument doc;
        try
        {
            var xml = XmlReader.Create(body, ReaderSettings(limits));
            using var reader = new DepthLimitedReader(spool is null ? xml : new SpoolingReader(xml, spool), limits.MaxDepth);
            doc = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            // Note: a DTD (XXE, billion laughs) lands here too: DtdProcessing.Prohibit refuses it before any expansion.
            throw new EwsFaultException(ResponseCodes.ErrorInvalidRequest, "The request is invalid: " + e.Message, e.LineNumber, e.LinePosition);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            // Note: System.Xml's reader throws these on some malformed input instead of an XmlException; found by
            // tools/fuzz: an XML declaration whose version is followed by non-ASCII bytes fails inside its encoding switch
            // with ArgumentOutOfRangeException.
            throw new EwsFaultException(ResponseCodes.ErrorInvalidRequest, "The request is invalid: it is not well-formed XML.");
        }

        var envelope = doc.Root!;
        if (envelope.Name != Ews.Soap + "Envelope")
        {
            throw Schema(envelope, "The root element must be a SOAP 1.1 Envelope (http://schemas.xmlsoap.org/soap/envelope/).");
        }

        var header = envelope.Element(Ews.Soap + "Header");
        var bodyElement = envelope.Element(Ews.Soap + "Body") ?? throw Schema(envelope, "The Envelope has no Body.");
        var operation = bodyElement.Elements().FirstOrDefault()
            ?? throw new EwsFaultException(ResponseCodes.ErrorInvalidRequest, "The request is invalid: the SOAP Body is empty.");
        if (operation.Name.Namespace != Ews.M)
        {
            throw Schema(operation, $"The element '{Values.Excerpt(operation.Name.LocalName)}' in namespace '{Values.Excerpt(operation.Name.NamespaceName)}' is not an EWS operation (expected namespace '{Ews.MessagesNs}').");
        }

        var version = ExchangeVersion.Exchange2007;
        var versionGiven = false;
        string? timeZone = null;
        ConnectingSid? impersonated = null;
        if (header is not null)
        {
            foreach (var h in header.Elements())
            {
                if (h.Name.Namespace != Ews.T)
                {
                    continue;
                }

                if (h.Name == Ews.T + "ExchangeImpersonation")
                {
                    // Before the schema check: a ConnectingSID naming no one has a code of its own.
                    impersonated = impersonated is null
                        ? ReadConnectingSid(h)
                        : throw new EwsFaultException(ResponseCodes.ErrorMoreThanOneAccessModeSpecified, "The request names more than one account to impersonate (ExchangeImpersonation).");
                }

                SchemaElements.Check(h);

                switch (h.Name.LocalName)
                {
                    case "RequestServerVersion":
                        var value = (string?)h.Attribute("Version");
                        if (!ExchangeVersions.TryParse(value, out version))
                        {
                            // Note: exchangelib probes with Version="Exchange2019" and reads our ServerVersionInfo from this fault.
                            throw new EwsFaultException(ResponseCodes.ErrorInvalidServerVersion, "The specified server version is invalid.");
                        }

                        versionGiven = true;
                        break;
                    case "TimeZoneContext":
                        var definition = h.Element(Ews.T + "TimeZoneDefinition") ?? throw Schema(h, "TimeZoneContext needs a TimeZoneDefinition.");
                        var id = (string?)definition.Attribute("Id");
                        if (string.IsNullOrWhiteSpace(id))
                        {
                            // Note: the schema lets Id out, for a zone defined by its periods alone; no client sends one.
                            throw new EwsFaultException(ResponseCodes.ErrorTimeZone, "The TimeZoneDefinition in TimeZoneContext needs the Id of a time zone.");
                        }

                        timeZone = TimeZones.WindowsId(id)
                            ?? throw new EwsFaultException(ResponseCodes.ErrorTimeZone, $"The time zone '{Values.Excerpt(id)}' in TimeZoneContext is not known to this server.");
                        break;
                    default:
                        break;
                }
            }
        }

        AcceptMessagesWatermark(operation);
        DropNestedPermissionSets(operation);
        if (isServed is null || isServed(operation.Name.LocalName))
        {
            SchemaElements.Check(operation);
        }

        return new SoapRequest(operation, version, versionGiven, timeZone, impersonated, spool);
    }

    /// <summary>
    /// ExchangeImpersonation's ConnectingSID: one of PrimarySmtpAddress, SmtpAddress, PrincipalName or SID with a value;
    /// none, or an empty one, is ErrorInvalidExchangeImpersonationHeaderData, and a SID not in SDDL form ErrorInvalidSid.
    /// </summary>
    private static ConnectingSid ReadConnectingSid(XElement header)
    {
        var identifier = header.Element(Ews.T + "ConnectingSID")?.Elements().FirstOrDefault();
        ConnectingIdKind? kind = identifier?.Name.LocalName switch
        {
            "PrimarySmtpAddress" => ConnectingIdKind.PrimarySmtpAddress,
            "SmtpAddress" => ConnectingIdKind.SmtpAddress,
            "PrincipalName" => ConnectingIdKind.PrincipalName,
            "SID" => ConnectingIdKind.Sid,
            _ => null,
        };
        var value = identifier?.Value.Trim();
        if (kind is not { } known || identifier!.Name.Namespace != Ews.T || string.IsNullOrEmpty(value))
        {
            throw new EwsFaultException(ResponseCodes.ErrorInvalidExchangeImpersonationHeaderData,
                "ExchangeImpersonation must name the account to impersonate: a PrimarySmtpAddress, SmtpAddress, PrincipalName or SID in ConnectingSID, not empty.");
        }

        if (known == ConnectingIdKind.Sid && !IsSddlSid(value))
        {
            throw new EwsFaultException(ResponseCodes.ErrorInvalidSid, "The SID in ExchangeImpersonation is not a security identifier in SDDL form (S-1-...).");
        }

        return new ConnectingSid(known, value);
    }

    /// <summary>S-1-{authority}-{sub-authority}..., at most 15 sub-authorities, each a 32-bit number.</summary>
    private static bool IsSddlSid(string value)
    {
        var parts = value.Split('-');
        return parts.Length is >= 3 and <= 18 && parts[0] == "S" && parts[1] == "1"
            && parts.Skip(2).All(p => p.Length is > 0 and <= 15 && p.All(char.IsAsciiDigit) && ulong.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _));
    }

    /// <summary>
    /// exchangelib writes a pull or push subscription's Watermark as m:Watermark where the schema has t:Watermark, and
    /// Exchange takes it: it is read as t:Watermark (the one deviation from the schema a client is known to rely on here).
    /// </summary>
    private static void AcceptMessagesWatermark(XElement operation)
    {
        if (operation.Name != Ews.M + "Subscribe")
        {
            return;
        }

        foreach (var request in operation.Elements())
        {
            foreach (var watermark in request.Elements(Ews.M + "Watermark").ToList())
            {
                watermark.Name = Ews.T + "Watermark";
            }
        }
    }

    /// <summary>
    /// Note: exchangelib 4.9.0 writes back a folder's PermissionSet inside a second PermissionSet, with CanCreateSubfolders,
    /// UserId last and a CalendarPermissionLevel in a Permission (its issue 1145): no schema accepts it, and it cannot
    /// carry the set it read (it reads neither CanCreateSubFolders nor a folder's PermissionLevel). Its folder.save()
    /// sends one for every folder it read the set of, so that update (or a new folder's set) is dropped: the folder's
    /// set stays as it is, which is what a save that changed other fields meant.
    /// </summary>
    private static void DropNestedPermissionSets(XElement operation)
    {
        if (operation.Name != Ews.M + "UpdateFolder" && operation.Name != Ews.M + "CreateFolder")
        {
            return;
        }

        foreach (var nested in operation.Descendants(Ews.T + "PermissionSet").Where(p => p.Parent?.Name == Ews.T + "PermissionSet").ToList())
        {
            var set = nested.Parent!;
            var update = set.Parent?.Parent;
            if (update?.Name == Ews.T + "SetFolderField" || update?.Name == Ews.T + "AppendToFolderField")
            {
                update.Remove();
            }
            else
            {
                set.Remove();
            }
        }
    }

    /// <summary>The ErrorSchemaValidation fault for <paramref name="violation"/>, at the line and position of <paramref name="at"/>.</summary>
    public static EwsFaultException Schema(XObject at, string violation)
    {
        var info = (IXmlLineInfo)at;
        return EwsFaultException.SchemaValidation(violation, info.LineNumber, info.LinePosition);
    }

    /// <summary>Rejects documents nested deeper than the limit while they stream in.</summary>
    private sealed class DepthLimitedReader(XmlReader inner, int maxDepth) : XmlReaderWrapper(inner)
    {
        public override bool Read()
        {
            var more = base.Read();
            if (more && Depth > maxDepth)
            {
                var info = (IXmlLineInfo)this;
                throw new EwsFaultException(ResponseCodes.ErrorInvalidRequest,
                    string.Create(CultureInfo.InvariantCulture, $"The request is invalid: elements are nested deeper than {maxDepth} levels."),
                    info.LineNumber, info.LinePosition);
            }

            return more;
        }
    }
}

/// <summary>How ExchangeImpersonation's ConnectingSID names the account to act as.</summary>
public enum ConnectingIdKind
{
    /// <summary>The mailbox's primary SMTP address.</summary>
    PrimarySmtpAddress,

    /// <summary>An SMTP address of the mailbox.</summary>
    SmtpAddress,

    /// <summary>The user principal name (UPN); a mailbox's address here.</summary>
    PrincipalName,

    /// <summary>A security identifier in SDDL form.</summary>
    Sid,
}

/// <summary>The account a request impersonates, as its ExchangeImpersonation header names it.</summary>
public sealed record ConnectingSid(ConnectingIdKind Kind, string Value);

/// <summary>Delegates everything to an inner reader; line info included.</summary>
internal class XmlReaderWrapper(XmlReader inner) : XmlReader, IXmlLineInfo
{
    public override int AttributeCount => inner.AttributeCount;

    public override string BaseURI => inner.BaseURI;

    public override int Depth => inner.Depth;

    public override bool EOF => inner.EOF;

    public override bool IsEmptyElement => inner.IsEmptyElement;

    public override string LocalName => inner.LocalName;

    public override string NamespaceURI => inner.NamespaceURI;

    public override XmlNameTable NameTable => inner.NameTable;

    public override XmlNodeType NodeType => inner.NodeType;

    public override string Prefix => inner.Prefix;

    public override ReadState ReadState => inner.ReadState;

    public override string Value => inner.Value;

    public int LineNumber => (inner as IXmlLineInfo)?.LineNumber ?? 0;

    public int LinePosition => (inner as IXmlLineInfo)?.LinePosition ?? 0;

    public bool HasLineInfo() => inner is IXmlLineInfo info && info.HasLineInfo();

    public override string GetAttribute(int i) => inner.GetAttribute(i);

    public override string? GetAttribute(string name) => inner.GetAttribute(name);

    public override string? GetAttribute(string name, string? namespaceURI) => inner.GetAttribute(name, namespaceURI);

    public override string? LookupNamespace(string prefix) => inner.LookupNamespace(prefix);

    public override bool MoveToAttribute(string name) => inner.MoveToAttribute(name);

    public override bool MoveToAttribute(string name, string? ns) => inner.MoveToAttribute(name, ns);

    public override bool MoveToElement() => inner.MoveToElement();

    public override bool MoveToFirstAttribute() => inner.MoveToFirstAttribute();

    public override bool MoveToNextAttribute() => inner.MoveToNextAttribute();

    public override bool Read() => inner.Read();

    public override bool ReadAttributeValue() => inner.ReadAttributeValue();

    public override void ResolveEntity() => inner.ResolveEntity();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
