using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>ConvertId: reads the sources (<see cref="IdReaders"/>), has <see cref="IdService"/> convert each, writes the AlternateIds.</summary>
public static class ConvertIdHandler
{
    public static async Task<Action<EwsWriter>> ConvertId(EwsRequest request)
    {
        var (destination, sources) = await IdReaders.ConvertIdAsync(request);
        var outcomes = await request.PerItemAsync(sources, source => Task.FromResult(IdService.Convert(request.Session, IdReaders.AlternateId(source))));
        return IdWriters.ConvertId(destination, outcomes);
    }
}
