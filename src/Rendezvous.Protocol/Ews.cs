using System.Xml.Linq;

namespace Rendezvous.Protocol;

/// <summary>The XML namespaces of EWS. Always http://, never https:// (Exchange rejects the latter).</summary>
public static class Ews
{
    public const string SoapNs = "http://schemas.xmlsoap.org/soap/envelope/";
    public const string TypesNs = "http://schemas.microsoft.com/exchange/services/2006/types";
    public const string MessagesNs = "http://schemas.microsoft.com/exchange/services/2006/messages";
    public const string ErrorsNs = "http://schemas.microsoft.com/exchange/services/2006/errors";

    public static readonly XNamespace T = TypesNs;
    public static readonly XNamespace M = MessagesNs;
    public static readonly XNamespace Soap = SoapNs;
}

/// <summary>The schema versions of ExchangeVersionType, in release order.</summary>
public enum ExchangeVersion
{
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
}

public static class ExchangeVersions
{
    /// <summary>What this server reports in ServerVersionInfo (an Exchange 2016 CU build).</summary>
    public const ExchangeVersion Server = ExchangeVersion.Exchange2016;
    public const int MajorVersion = 15;
    public const int MinorVersion = 1;
    public const int MajorBuildNumber = 2507;
    public const int MinorBuildNumber = 6;

    public static bool TryParse(string? value, out ExchangeVersion version)
    {
        version = ExchangeVersion.Exchange2007;
        return value is not null
            && Enum.TryParse(value, ignoreCase: false, out version)
            && Enum.IsDefined(version)
            && !char.IsDigit(value[0]);
    }
}
