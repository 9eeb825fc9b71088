using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>The user configuration operations: read (<see cref="UserConfigurationEdge"/>), <see cref="UserConfigurationService"/>, write.</summary>
public static class UserConfigurationHandlers
{
    public static async Task<Action<EwsWriter>> GetUserConfiguration(EwsRequest request)
    {
        var (name, folder) = UserConfigurationEdge.ReadName(request);
        var parts = UserConfigurationEdge.ReadParts(request);
        return UserConfigurationEdge.Get(await request.OneAsync(() => UserConfigurationService.GetAsync(request.Session, name, folder)), parts);
    }

    public static async Task<Action<EwsWriter>> CreateUserConfiguration(EwsRequest request)
    {
        var configuration = UserConfigurationEdge.ReadConfiguration(request);
        return UserConfigurationEdge.Done("CreateUserConfiguration", await request.OneAsync(async () =>
        {
            await UserConfigurationService.CreateAsync(request.Session, configuration);
            return true;
        }));
    }

    public static async Task<Action<EwsWriter>> UpdateUserConfiguration(EwsRequest request)
    {
        var configuration = UserConfigurationEdge.ReadConfiguration(request);
        return UserConfigurationEdge.Done("UpdateUserConfiguration", await request.OneAsync(async () =>
        {
            await UserConfigurationService.UpdateAsync(request.Session, configuration);
            return true;
        }));
    }

    public static async Task<Action<EwsWriter>> DeleteUserConfiguration(EwsRequest request)
    {
        var (name, folder) = UserConfigurationEdge.ReadName(request);
        return UserConfigurationEdge.Done("DeleteUserConfiguration", await request.OneAsync(async () =>
        {
            await UserConfigurationService.DeleteAsync(request.Session, name, folder);
            return true;
        }));
    }
}
