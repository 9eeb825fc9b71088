using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// A delegate's levels on the principal's six folders (<see cref="DelegateFolders"/>), which are entries of those
/// folders' permissions, as Exchange keeps them. <paramref name="principal"/> sessions are the principal's.
/// </summary>
public static class DelegateFolderLevels
{
    /// <summary>The delegate's level on each of the principal's six folders.</summary>
    public static Task<IReadOnlyDictionary<string, string>> GetAsync(Session principal, UserRecord delegateUser)
    {
        // Seam: folder permissions are engineer D's (branch rdv18-perms); until merged, every level reads None.
        _ = principal;
        _ = delegateUser;
        IReadOnlyDictionary<string, string> none = DelegateFolders.All.ToDictionary(f => f, _ => SchemaValues.DelegateFolderPermissionLevelType.None);
        return Task.FromResult(none);
    }

    /// <summary>Sets the delegate's level on the folders named (None: its entry goes).</summary>
    public static Task SetAsync(Session principal, UserRecord delegateUser, IReadOnlyDictionary<string, string> levels)
    {
        _ = principal;
        _ = delegateUser;
        _ = levels;
        return Task.CompletedTask;
    }
}
