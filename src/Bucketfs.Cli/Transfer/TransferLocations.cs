using System.CommandLine;
using Bucketfs.Cli.Mount;
using Bucketfs.Cli.Stores;
using Bucketfs.ObjectStore;
using Bucketfs.ObjectStore.Transfer;
using Microsoft.Extensions.Logging;

namespace Bucketfs.Cli.Transfer;

/// <summary>
/// The locations of `copy`, `sync` and `changes`: a local path, or a store location in every form
/// `mount` takes (s3://, swift://, an rclone REMOTE:), reached through <see cref="StoreFactory"/>
/// with the store options every store command shares.
/// </summary>
internal sealed class TransferLocations(bool writes)
{
    /// <summary>The store locations, for argument help and errors.</summary>
    public const string StoreForms = "s3://BUCKET[/PREFIX], swift://CONTAINER[/PREFIX] or an rclone REMOTE:BUCKET[/PREFIX]";

    public const string Forms = "a local path, " + StoreForms;

    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);

    private readonly StoreOptions _options = new(writes);

    public void AttachTo(Command command) => _options.AttachTo(command);

    /// <summary>
    /// The store source <paramref name="location"/> names, or null for a local path. As rclone
    /// reads a location: a scheme's "://" or a colon before any slash makes it a store location
    /// (write ./a:b for a local name with a colon); anything else is a path.
    /// </summary>
    public static BucketSource? StoreSource(string location)
    {
        if (location.Length == 0) throw new UsageException($"location '': expected {Forms}");
        int scheme = location.IndexOf("://", StringComparison.Ordinal);
        int colon = location.IndexOf(':');
        int slash = location.IndexOf('/');
        bool store = scheme > 0 || colon > 0 && (slash < 0 || colon < slash);
        if (!store) return null;
        bool known = location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("swift://", StringComparison.OrdinalIgnoreCase);
        var source = scheme > 0 && !known ? null : Parse(location);
        // BucketSource also takes s3fs's BUCKET:/PREFIX, which is no location here.
        return source is not null && (scheme > 0 || source.Remote != null) ? source : throw new UsageException($"location '{location}': expected {Forms}");
    }

    private static BucketSource? Parse(string location)
    {
        try
        {
            return BucketSource.Parse(location);
        }
        catch (UsageException)
        {
            return null;
        }
    }

    /// <summary>
    /// The side <paramref name="location"/> names; <paramref name="connections"/> is how many
    /// requests may run at once; <paramref name="followLinks"/> reads a local folder's links as what they point to.
    /// </summary>
    public ITransferSide Side(ParseResult r, string location, int connections, ILogger log, bool followLinks = false)
    {
        if (StoreSource(location) is not { } source) return new LocalSide(location, followLinks);
        // Uploads do not wait for "100 Continue": a round trip per PUT dominates many small files.
        var request = _options.Read(r, source) with { MaxConnections = connections, ExpectContinue = false };
        var target = StoreFactory.Resolve(request, log);
        try
        {
            return new StoreSide(target.OpenAsync(probe: false, OpenTimeout, CancellationToken.None).GetAwaiter().GetResult());
        }
        catch (ObjectStoreException e)
        {
            throw new StoreUnreachable(target.Explain(e));
        }
    }
}

/// <summary>A store location could not be opened; the message is the one line the user sees.</summary>
internal sealed class StoreUnreachable(string message) : Exception(message);
