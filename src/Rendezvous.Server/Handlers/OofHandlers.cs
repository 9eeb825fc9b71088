using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>Out of office (issue 17 §6): read (<see cref="OofEdge"/>), <see cref="OofService"/>, write.</summary>
public static class OofHandlers
{
    public static async Task<Action<EwsWriter>> GetUserOofSettings(EwsRequest request)
    {
        var mailbox = OofEdge.ReadMailbox(request);
        return OofEdge.Get(await request.OneAsync(() => OofService.GetAsync(request.Session, mailbox)), request.Now);
    }

    public static async Task<Action<EwsWriter>> SetUserOofSettings(EwsRequest request)
    {
        var mailbox = OofEdge.ReadMailbox(request);
        var settings = OofEdge.ReadSettings(request);
        return OofEdge.Set(await request.OneAsync(async () =>
        {
            await OofService.SetAsync(request.Session, mailbox, settings);
            return true;
        }));
    }
}
