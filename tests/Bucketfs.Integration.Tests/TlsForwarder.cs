using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bucketfs.Integration.Tests;

/// <summary>
/// An https endpoint in front of a store, with a certificate for 127.0.0.1 from a CA of its own
/// (written to <see cref="CaBundle"/>), as a store with an internal certificate has: TLS is ended
/// here and the bytes forwarded to the store's plain http port.
/// </summary>
public sealed class TlsForwarder : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();

    public TlsForwarder(string targetEndpoint, string directory)
    {
        _target = new Uri(targetEndpoint);
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=bucketfs test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        _certificate = issued.CopyWithPrivateKey(key);
        CaBundle = Path.Combine(directory, "internal-ca.pem");
        File.WriteAllText(CaBundle, ca.ExportCertificatePem() + "\n");
        _listener.Start();
        _ = AcceptLoop();
    }

    public string Endpoint => $"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The PEM file of the CA that issued the endpoint's certificate.</summary>
    public string CaBundle { get; }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(_certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
                await upstream.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                var store = upstream.GetStream();
                // Either side ending ends both.
                await Task.WhenAny(tls.CopyToAsync(store, _stop.Token), store.CopyToAsync(tls, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
            {
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _certificate.Dispose();
    }
}
