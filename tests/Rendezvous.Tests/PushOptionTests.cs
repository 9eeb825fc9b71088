using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>rdv serve's push options (issue 19 §5): a network that is not one, or a lease that is not a number, is a usage error before anything starts.</summary>
public sealed class PushOptionTests
{
    [Fact]
    public async Task Rdv_serve_refuses_a_push_allow_that_is_no_network_and_a_push_lease_that_is_no_number()
    {
        using var folder = new TempFolder("rdv-push-options-");
        var network = await Processes.RunAsync(Processes.Rdv("serve", "--urls", "http://127.0.0.1:0", "--data", folder.Path, "--push-allow", "10.0.0.0/8,nonsense"));
        Assert.Equal(2, network.ExitCode);
        Assert.Contains("--push-allow: nonsense is not a network", network.Stderr, StringComparison.Ordinal);

        var lease = await Processes.RunAsync(Processes.Rdv("serve", "--urls", "http://127.0.0.1:0", "--data", folder.Path, "--push-lease", "soon"));
        Assert.Equal(2, lease.ExitCode);
        Assert.Contains("--push-lease needs a positive whole number", lease.Stderr, StringComparison.Ordinal);
    }
}
