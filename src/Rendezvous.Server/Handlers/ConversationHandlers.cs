using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>FindConversation and GetConversationItems: read (<see cref="ConversationEdge"/>), <see cref="ConversationService"/>, write.</summary>
public static class ConversationHandlers
{
    public static async Task<Action<EwsWriter>> FindConversation(EwsRequest request)
    {
        var (find, parent, idOnly) = ConversationEdge.ReadFindConversation(request);
        return ConversationEdge.FindConversation(await request.OneAsync(() => ConversationService.FindAsync(request.Session, find, parent)), idOnly);
    }

    public static async Task<Action<EwsWriter>> GetConversationItems(EwsRequest request)
    {
        var (options, shape, conversations) = await ConversationEdge.ReadGetConversationItemsAsync(request);
        var outcomes = await request.PerItemAsync(conversations, async e =>
        {
            var id = ConversationEdge.ConversationId(e);
            return (Id: id, Nodes: await ConversationService.GetItemsAsync(request.Session, options, id));
        });
        return ConversationEdge.GetConversationItems(request, outcomes, shape);
    }
}
