using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>The people operations (issue 17 §4): read (<see cref="PeopleEdge"/>), <see cref="PeopleService"/>, write.</summary>
public static class PeopleHandlers
{
    public static async Task<Action<EwsWriter>> ResolveNames(EwsRequest request)
    {
        var (resolve, shape) = PeopleEdge.ReadResolveNames(request);
        var outcome = await request.OneAsync(() => PeopleService.ResolveNamesAsync(request.Session, resolve, PeopleEdge.Cards));
        return PeopleEdge.ResolveNames(request, outcome, resolve.ReturnFullContactData, shape);
    }

    public static async Task<Action<EwsWriter>> ExpandDL(EwsRequest request)
    {
        var expand = PeopleEdge.ReadExpandDL(request);
        return PeopleEdge.ExpandDL(await request.OneAsync(() => PeopleService.ExpandAsync(request.Session, expand, PeopleEdge.Cards)));
    }

    public static async Task<Action<EwsWriter>> GetMailTips(EwsRequest request)
    {
        var (recipients, requested) = await PeopleEdge.ReadMailTipsAsync(request);
        return PeopleEdge.MailTips(await MailTipsService.GetAsync(request.Session, recipients, requested));
    }

    public static Task<Action<EwsWriter>> GetUserPhoto(EwsRequest request) => Task.FromResult(PeopleEdge.UserPhoto(request));
}
