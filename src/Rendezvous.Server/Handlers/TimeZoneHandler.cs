using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>GetServerTimeZones: the Windows zones this server knows (<see cref="IdService.TimeZones"/>), with their rules when asked.</summary>
public static class TimeZoneHandler
{
    public static Task<Action<EwsWriter>> GetServerTimeZones(EwsRequest request)
    {
        var (ids, full) = IdReaders.GetServerTimeZones(request);
        return Task.FromResult(IdWriters.GetServerTimeZones(IdService.TimeZones(ids), full));
    }
}
