namespace Rendezvous.Tests.Infrastructure;

/// <summary>
/// tests/data in the repository: the schema, client captures and seed samples the tests read, copied in (with their
/// provenance in each folder's SOURCES.md) so that a plain clone passes its tests with nothing beside it.
/// </summary>
public static class TestData
{
    public static string Directory => System.IO.Path.Combine(Processes.RepositoryRoot, "tests", "data");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Directory, .. parts]);
}
