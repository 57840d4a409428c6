using Bucketfs.Cli.Mount;
using Bucketfs.ObjectStore;
using Bucketfs.ObjectStore.Swift;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli.Stores;

/// <summary>A Swift container reached through Swift's own API, signing in with Keystone, v1 auth or a given token.</summary>
internal sealed class SwiftTarget(BucketSource source, string credentialSource, SwiftStoreOptions options) : StoreTarget(source, credentialSource)
{
    private Uri? _storageUrl;

    public override string Where => _storageUrl is null ? $"Swift ({options.Auth.Description})" : $"Swift at {_storageUrl}";

    public override string Noun => "container";

    public override string Place => options.Auth.Description;

    public override async Task<IObjectStore> OpenAsync(bool probe, TimeSpan bound, CancellationToken cancellation)
    {
        var store = new SwiftStore(probe ? options with { MaxRetries = 1, CallTimeout = bound, AttemptTimeout = bound } : options);
        if (probe) _storageUrl = await store.StorageUrlAsync(cancellation).ConfigureAwait(false);
        return store;
    }

    /// <summary>Sign-in failures already say which service refused or could not be reached.</summary>
    public override string Explain(ObjectStoreException e) => e.Error switch
    {
        StoreError.InvalidCredentials => $"{Reason(e)} (credentials from {CredentialSource})",
        StoreError.Unavailable when Reason(e).StartsWith("cannot reach", StringComparison.Ordinal) => Reason(e),
        StoreError.Rejected when _storageUrl is null => $"{Reason(e)} (credentials from {CredentialSource})",
        _ => base.Explain(e),
    };

    public static SwiftTarget Create(StoreRequest r, IReadOnlyDictionary<string, string> settings, string from, ILogger log) =>
        new(r.Source, from, r.Calls(new SwiftStoreOptions
        {
            Container = r.Source.Bucket,
            Prefix = r.Source.Prefix,
            Auth = OpenStackAuth.Create(settings, from),
        }, log));
}
