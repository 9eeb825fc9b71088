using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>Delegates (issue 18 §2): read (<see cref="DelegateEdge"/>), <see cref="DelegateService"/>, write.</summary>
public static class DelegateHandlers
{
    public static async Task<Action<EwsWriter>> GetDelegate(EwsRequest request)
    {
        var get = await DelegateEdge.ReadGetAsync(request);
        return DelegateEdge.Respond("GetDelegate", await request.OneAsync(() => DelegateService.GetAsync(request.Session, get)));
    }

    public static async Task<Action<EwsWriter>> AddDelegate(EwsRequest request)
    {
        var add = await DelegateEdge.ReadAddAsync(request);
        return DelegateEdge.Respond("AddDelegate", await request.OneAsync(() => DelegateService.AddAsync(request.Session, add)));
    }

    public static async Task<Action<EwsWriter>> UpdateDelegate(EwsRequest request)
    {
        var update = await DelegateEdge.ReadUpdateAsync(request);
        return DelegateEdge.Respond("UpdateDelegate", await request.OneAsync(() => DelegateService.UpdateAsync(request.Session, update)));
    }

    public static async Task<Action<EwsWriter>> RemoveDelegate(EwsRequest request)
    {
        var remove = await DelegateEdge.ReadRemoveAsync(request);
        return DelegateEdge.Respond("RemoveDelegate", await request.OneAsync(() => DelegateService.RemoveAsync(request.Session, remove)));
    }
}
