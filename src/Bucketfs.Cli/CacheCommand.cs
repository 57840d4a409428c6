using System.CommandLine;
using Bucketfs.Core.Cache;

namespace Bucketfs.Cli;

/// <summary>`bucketfs cache status DIR` and `bucketfs cache clear DIR`: the data cache of --cache, mounted or not.</summary>
internal static class CacheCommand
{
    public static Command Create()
    {
        var command = new Command("cache", "Look at or empty a data cache folder (--cache DIR of a mount)");
        command.Subcommands.Add(Subcommand("status", "What the cache holds", directory =>
        {
            var status = DataCache.Inspect(directory);
            Console.WriteLine($"{status.Directory}: {status.Objects} objects ({status.CompleteObjects} complete), {Size(status.BytesUsed)} cached");
        }));
        command.Subcommands.Add(Subcommand("clear", "Delete everything cached (safe while mounted: those mounts fetch again)", directory =>
        {
            var before = DataCache.Inspect(directory);
            DataCache.Clear(directory);
            Console.WriteLine($"{before.Directory}: removed {before.Objects} objects, {Size(before.BytesUsed)}");
        }));
        return command;
    }

    private static Command Subcommand(string name, string description, Action<string> action)
    {
        var directory = new Argument<string>("directory") { Description = "The cache folder (what --cache was given)" };
        var command = new Command(name, description) { directory };
        command.SetAction(result =>
        {
            string path = result.GetValue(directory)!;
            if (!Directory.Exists(path))
            {
                Console.Error.WriteLine($"bucketfs: {path} does not exist");
                return 1;
            }
            try
            {
                action(path);
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"bucketfs: {path}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        _ => $"{bytes / 1024.0:0.0} KiB",
    };
}
