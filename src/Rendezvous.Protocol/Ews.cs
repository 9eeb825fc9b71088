using System.Xml.Linq;

namespace Rendezvous.Protocol;

/// <summary>The XML namespaces of EWS. Always http://, never https:// (Exchange rejects the latter).</summary>
public static class Ews
{
    /// <summary>SOAP 1.1's envelope namespace.</summary>
    public const string SoapNs = "http://schemas.xmlsoap.org/soap/envelope/";
    /// <summary>The types namespace (prefix t:).</summary>
    public const string TypesNs = "http://schemas.microsoft.com/exchange/services/2006/types";
    /// <summary>The XML Schema instance namespace (prefix xsi:), declared on every response envelope.</summary>
    public const string XsiNs = "http://www.w3.org/2001/XMLSchema-instance";
    /// <summary>The messages namespace (prefix m:).</summary>
    public const string MessagesNs = "http://schemas.microsoft.com/exchange/services/2006/messages";
    /// <summary>The namespace of a fault's detail (prefix e:).</summary>
    public const string ErrorsNs = "http://schemas.microsoft.com/exchange/services/2006/errors";

    /// <summary><see cref="TypesNs"/> for LINQ to XML.</summary>
    public static readonly XNamespace T = TypesNs;

    /// <summary><see cref="MessagesNs"/> for LINQ to XML.</summary>
    public static readonly XNamespace M = MessagesNs;

    /// <summary><see cref="SoapNs"/> for LINQ to XML.</summary>
    public static readonly XNamespace Soap = SoapNs;
}

/// <summary>
/// The schema versions of ExchangeVersionType, in release order, so a later version compares greater. Each member is
/// the schema's value of the same name.
/// </summary>
public enum ExchangeVersion
{
#pragma warning disable CS1591 // Each member is the schema's value of the same name; a comment would only repeat it.
    Exchange2007,
    Exchange2007_SP1,
    Exchange2009,
    Exchange2010,
    Exchange2010_SP1,
    Exchange2010_SP2,
    Exchange2012,
    Exchange2013,
    Exchange2013_SP1,
    Exchange2015,
    Exchange2016,
    V2015_10_05,
    V2016_01_06,
    V2016_04_13,
    V2016_07_13,
    V2016_10_10,
    V2017_01_07,
    V2017_04_14,
    V2017_07_11,
    V2017_10_09,
    V2018_01_08,
#pragma warning restore CS1591
}

/// <summary>The version this server reports, and reading a RequestServerVersion.</summary>
public static class ExchangeVersions
{
    /// <summary>What this server reports in ServerVersionInfo (an Exchange 2016 CU build).</summary>
    public const ExchangeVersion Server = ExchangeVersion.Exchange2016;
    /// <summary>ServerVersionInfo's MajorVersion.</summary>
    public const int MajorVersion = 15;

    /// <summary>ServerVersionInfo's MinorVersion.</summary>
    public const int MinorVersion = 1;

    /// <summary>ServerVersionInfo's MajorBuildNumber.</summary>
    public const int MajorBuildNumber = 2507;

    /// <summary>ServerVersionInfo's MinorBuildNumber.</summary>
    public const int MinorBuildNumber = 6;

    /// <summary>
    /// Reads an ExchangeVersionType value exactly as the schema spells it; false for anything else (a number, another
    /// case, a version the schema does not know, such as exchangelib's probe Exchange2019).
    /// </summary>
    public static bool TryParse(string? value, out ExchangeVersion version)
    {
        version = ExchangeVersion.Exchange2007;
        return value is not null
            && Enum.TryParse(value, ignoreCase: false, out version)
            && Enum.IsDefined(version)
            && !char.IsDigit(value[0]);
    }
}
