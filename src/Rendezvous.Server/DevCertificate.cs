using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rendezvous.Server;

/// <summary>
/// A self-signed certificate for localhost (127.0.0.1, ::1), for local use and the tests: `rdv dev-cert` writes it as
/// two PEM files that `rdv serve --cert --key` reads. Made with .NET's CertificateRequest, no external tool.
/// </summary>
public static class DevCertificate
{
    public const string CertificateFile = "rdv-dev-cert.pem";
    public const string KeyFile = "rdv-dev-key.pem";

    public static X509Certificate2 Create(TimeProvider time, TimeSpan? lifetime = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = time.GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now + (lifetime ?? TimeSpan.FromDays(365)));
    }

    /// <summary>Writes the certificate and its key (readable by the owner alone) into <paramref name="directory"/>; returns their paths.</summary>
    public static async Task<(string Certificate, string Key)> WriteAsync(X509Certificate2 certificate, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, CertificateFile);
        var keyPath = Path.Combine(directory, KeyFile);
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem() + "\n", cancellationToken);
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the certificate has no ECDSA key");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(keyPath, options))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteAsync((key.ExportPkcs8PrivateKeyPem() + "\n").AsMemory(), cancellationToken);
        }

        return (certificatePath, keyPath);
    }
}
