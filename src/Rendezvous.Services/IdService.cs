using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Services;

/// <summary>An id as a client names it for ConvertId: the id and the mailbox it says it is in.</summary>
public sealed record AlternateId(string Id, string Mailbox);

/// <summary>
/// ConvertId and GetServerTimeZones: answers that need nobody's data. Our ids are opaque and have one form, so every
/// format converts to the same id; what clients really want from ConvertId is the caller's real address.
/// </summary>
public static class IdService
{
    /// <summary>The id in the requested form (the same id), in the caller's mailbox.</summary>
    public static AlternateId Convert(Session session, AlternateId source) =>
        // Note: DavMail sends Mailbox="blah@blah.com" and reads the real address back from the answer;
        // exchangelib's version probe sends Id="DUMMY" Mailbox="DUMMY" and only needs the ServerVersionInfo.
        source.Mailbox.Contains('@', StringComparison.Ordinal)
            ? new AlternateId(source.Id, session.Address)
            : throw new DomainException(ErrorCode.IdMalformed, "Id is malformed.");

    /// <summary>The definitions of the Windows zones asked for (unknown ones left out), or of every zone this server knows.</summary>
    public static IReadOnlyList<TimeZoneDefinition> TimeZones(IReadOnlyList<string>? requested)
    {
        IReadOnlyList<string> ids = requested is null
            ? Protocol.TimeZones.KnownWindowsIds
            // Unknown ids are left out rather than failing the whole answer, as TimeZoneDefinitions cannot be empty-handed on error.
            : [.. requested.Select(Protocol.TimeZones.WindowsId).OfType<string>().Distinct(StringComparer.Ordinal)];
        return [.. ids.Select(Protocol.TimeZones.Definition)];
    }
}
