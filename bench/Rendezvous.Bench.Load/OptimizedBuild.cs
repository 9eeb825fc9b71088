using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Rendezvous.Bench.Load;

/// <summary>
/// Refuses to measure a server whose assemblies were built without optimisation. A solution build gives a referenced
/// project that is not in the solution its default (Debug) configuration, and a Release rdv.dll then runs Debug
/// libraries: every figure taken that way measured unoptimised code.
/// </summary>
internal static class OptimizedBuild
{
    public static void Require(string serverDll)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(serverDll))!;
        var unoptimized = Directory.GetFiles(folder, "Rendezvous.*.dll").Append(serverDll)
            .Where(JitOptimizerDisabled)
            .Select(Path.GetFileName)
            .ToList();
        if (unoptimized.Count > 0)
        {
            throw new InvalidOperationException(
                $"{string.Join(", ", unoptimized)} in {folder} built without optimisation (Debug): build the server with "
                + "`dotnet build -c Release bench/Rendezvous.Bench.slnx` (bench/run.sh does) and measure again");
        }
    }

    /// <summary>Whether the assembly's DebuggableAttribute disables the JIT optimiser, as a Debug build's does.</summary>
    private static bool JitOptimizerDisabled(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = metadata.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference)
            {
                continue;
            }

            var constructor = metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
            if (constructor.Parent.Kind != HandleKind.TypeReference
                || metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)constructor.Parent).Name) != "DebuggableAttribute")
            {
                continue;
            }

            // The blob is the prolog (2 bytes) then the constructor's arguments: (DebuggingModes) is one int32,
            // (bool, bool) the older form whose second value is isJITOptimizerDisabled.
            var blob = metadata.GetBlobReader(attribute.Value);
            blob.ReadUInt16();
            if (blob.RemainingBytes >= 4 + 2)
            {
                const int DisableOptimizations = 0x100;
                return (blob.ReadInt32() & DisableOptimizations) != 0;
            }

            blob.ReadBoolean();
            return blob.ReadBoolean();
        }

        return false;
    }
}
