using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server.Handlers;

/// <summary>The setup calls (issue 17 §7): read (<see cref="SetupEdge"/>), <see cref="SetupService"/>, write.</summary>
public static class SetupHandlers
{
    public static async Task<Action<EwsWriter>> GetServiceConfiguration(EwsRequest request)
    {
        var requested = SetupEdge.ReadRequestedConfiguration(request);
        return SetupEdge.ServiceConfiguration(await SetupService.GetServiceConfigurationAsync(request.Session, requested));
    }

    public static Task<Action<EwsWriter>> GetPasswordExpirationDate(EwsRequest request)
    {
        _ = SetupEdge.ReadMailboxSmtpAddress(request);
        return Task.FromResult(SetupEdge.PasswordExpirationDate(SetupService.GetPasswordExpirationDate()));
    }

    public static Task<Action<EwsWriter>> GetAppManifests(EwsRequest request) => Task.FromResult(SetupEdge.AppManifests());

    public static Task<Action<EwsWriter>> GetAppMarketplaceUrl(EwsRequest request) => Task.FromResult(SetupEdge.AppMarketplaceUrl());
}
