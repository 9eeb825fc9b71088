namespace Rendezvous.Server;

/// <summary>
/// What the endpoint tells the request log and the metrics about one EWS request (an HTTP feature of the request):
/// the operation, each ResponseMessage's code, the fault if it ended in one, and the body's size.
/// </summary>
public sealed class RequestRecord
{
    /// <summary>The EWS endpoint took the request (it was signed in); false for a sign-in refused before it.</summary>
    public bool Entered { get; set; }

    /// <summary>The operation as the request named it (null before the body is parsed or when it cannot be).</summary>
    public string? Operation { get; set; }

    /// <summary>Whether <see cref="Operation"/> is one the server answers (only those are metric labels).</summary>
    public bool Known { get; set; }

    /// <summary>Every m:ResponseCode written, with its count.</summary>
    public Dictionary<string, int> ResponseCodes { get; } = new(StringComparer.Ordinal);

    /// <summary>The fault's ResponseCode when the request ended in a SOAP fault.</summary>
    public string? Fault { get; set; }

    public long? RequestBytes { get; set; }
}
