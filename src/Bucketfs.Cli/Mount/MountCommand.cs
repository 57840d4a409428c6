using System.CommandLine;
using Bucketfs.Cli.Stores;

namespace Bucketfs.Cli.Mount;

/// <summary>
/// `bucketfs mount s3://BUCKET[/PREFIX]|swift://CONTAINER[/PREFIX]|REMOTE:BUCKET MOUNTPOINT [options]`, and the s3fs form
/// `bucketfs BUCKET MOUNTPOINT -o opt,opt` that mount(8) uses for fstab lines of type fuse.bucketfs.
/// </summary>
internal sealed class MountCommand
{
    private readonly Argument<string> SourceArgument = new("source") { Description = "s3://BUCKET[/PREFIX], swift://CONTAINER[/PREFIX], an rclone remote's REMOTE:BUCKET[/PREFIX], or BUCKET[:/PREFIX] as s3fs takes it" };
    private readonly Argument<string> MountpointArgument = new("mountpoint") { Description = "An existing empty directory" };
    private readonly Option<string[]> OptionLists = new("-o") { Description = S3fsOptionTable.Help(), AllowMultipleArgumentsPerToken = false };
    private readonly StoreOptions Store = new(writes: true);
    private readonly Option<string?> Uid = new("--uid") { Description = "Owner (id or name) of files without s3fs metadata (default: you)" };
    private readonly Option<string?> Gid = new("--gid") { Description = "Group (id or name) of files without s3fs metadata (default: yours)" };
    private readonly Option<string?> FileMode = new("--file-mode") { Description = "Octal permissions of files without s3fs metadata (default 644)" };
    private readonly Option<string?> DirMode = new("--dir-mode") { Description = "Octal permissions of directories (default 755)" };
    private readonly Option<string?> MetadataTtl = new("--metadata-ttl") { Description = "Seconds names and attributes are trusted, or 'indefinite' for data that never changes (default 1, or 60 with --cache)" };
    private readonly Option<string?> MemoryLimit = new("--memory-limit") { Description = "MiB of prefetched data held at once over all files (default 96)" };
    private readonly Option<bool> ReadOnly = new("--read-only") { Description = "Refuse every change" };
    private readonly Option<bool> AllowOther = new("--allow-other") { Description = "Let other users in (non-root needs user_allow_other in /etc/fuse.conf)" };
    private readonly Option<bool> Foreground = new("--foreground", "-f") { Description = "Stay in the foreground, logging to stderr" };
    private readonly Option<string?> LogFile = new("--log-file") { Description = "Where the background daemon logs" };
    private readonly Option<bool> Debug = new("--debug") { Description = "Log every request" };
    private readonly Option<string?> CacheDir = new("--cache-dir") { Description = "Local folder for files being written before upload (default /var/cache/bucketfs as root, ~/.cache/bucketfs otherwise)" };
    private readonly Option<string?> Cache = new("--cache") { Description = "Keep object data in this folder across mounts (s3fs's -o use_cache=DIR); cached files are read by the kernel itself (FUSE passthrough, as root)" };
    private readonly Option<string?> CacheSize = new("--cache-size") { Description = "Most data kept in --cache, like 500M or 20G (default 10G)" };
    private readonly Option<string?> CacheMinFree = new("--cache-min-free") { Description = "Free space --cache always leaves on its disk (default 1G; s3fs's -o ensure_diskfree=MB)" };
    private readonly Option<bool> NoPassthrough = new("--no-passthrough") { Description = "Serve cached files through the daemon instead of FUSE passthrough" };
    private readonly Option<bool> Xattrs = new("--xattr") { Description = "Serve user.* extended attributes, stored as s3fs stores them (s3fs's -o use_xattr)" };
    private readonly Option<string?> RenameDirLimit = new("--rename-dir-limit") { Description = "Most keys a directory rename may copy (default 10000)" };
    private readonly Option<string?> RequestTimeout = new("--request-timeout") { Description = "Seconds a program waits at most for an answer that needs the store, retries included; then EIO (default 30; uploads at close are bounded per store call instead)" };
    private readonly Option<string?> MetricsAddr = new("--metrics-addr") { Description = "Serve Prometheus metrics at http://HOST:PORT/metrics (HOST 0.0.0.0 for every address)" };
    private readonly Option<string?> OtlpEndpoint = new("--otlp-endpoint") { Description = "Push metrics to this OpenTelemetry collector URL (gRPC, or HTTP when it ends in /v1/metrics)" };
    private readonly Option<string?> StallTimeout = new("--stall-timeout") { Description = "Seconds an answer being received may stall before it is asked for again on a new connection (default 5; s3fs's -o readwrite_timeout=)" };

    /// <summary>The `mount` subcommand.</summary>
    public static Command Create()
    {
        var command = new Command("mount", "Mount a bucket, or a prefix of it, on a directory");
        new MountCommand().AttachTo(command);
        return command;
    }

    /// <summary>Gives <paramref name="command"/> the mount arguments, options and action (the root command takes the s3fs form this way).</summary>
    public void AttachTo(Command command)
    {
        command.Arguments.Add(SourceArgument);
        command.Arguments.Add(MountpointArgument);
        Store.AttachTo(command);
        foreach (var option in new Option[] { OptionLists, Uid, Gid, FileMode, DirMode, MetadataTtl, MemoryLimit, ReadOnly, AllowOther, Foreground, LogFile, Debug, CacheDir, Cache, CacheSize, CacheMinFree, NoPassthrough, RenameDirLimit, Xattrs, RequestTimeout, StallTimeout, MetricsAddr, OtlpEndpoint })
            command.Options.Add(option);
        command.SetAction(result => MountRunner.Run(() => Read(result)));
    }

    // Values are parsed here rather than by System.CommandLine so that --uid and -o uid= go through
    // the same parser and fail with the same line.
    private MountSettings Read(ParseResult r)
    {
        var settings = new MountSettings
        {
            Store = Store.Read(r, BucketSource.Parse(r.GetValue(SourceArgument)!)),
            Mountpoint = MountpointPath(r.GetValue(MountpointArgument)!),
            Uid = Number(r, Uid, OptionValues.User),
            Gid = Number(r, Gid, OptionValues.Group),
            FileMode = Number(r, FileMode, OptionValues.Mode),
            DirectoryMode = Number(r, DirMode, OptionValues.Mode),
            MemoryLimit = Number(r, MemoryLimit, (option, text) => OptionValues.Mebibytes(option, text, least: 1)),
            ReadOnly = r.GetValue(ReadOnly),
            AllowOther = r.GetValue(AllowOther),
            Foreground = r.GetValue(Foreground),
            LogFile = r.GetValue(LogFile),
            Debug = r.GetValue(Debug),
            CacheDirectory = r.GetValue(CacheDir),
            DataCache = r.GetValue(Cache),
            CacheSize = Number(r, CacheSize, OptionValues.Size),
            CacheMinFree = Number(r, CacheMinFree, OptionValues.Size),
            Passthrough = !r.GetValue(NoPassthrough),
            RenameDirectoryLimit = Number(r, RenameDirLimit, OptionValues.Whole),
            Xattrs = r.GetValue(Xattrs),
            MetricsAddress = Value(r, MetricsAddr, Operations.MetricsAddress.Parse),
            OtlpEndpoint = Value(r, OtlpEndpoint, OptionValues.Url),
            Options = OptionsGiven(r),
        };
        // Only when given: the default depends on --cache.
        if (r.GetValue(MetadataTtl) is { } ttl) settings.MetadataTtl = OptionValues.Ttl(MetadataTtl.Name, ttl);
        if (Number(r, RequestTimeout, OptionValues.Seconds) is { } request) settings.Store = settings.Store with { RequestTimeout = request };
        if (Number(r, StallTimeout, OptionValues.Seconds) is { } stall) settings.Store = settings.Store with { StallTimeout = stall };
        var accepted = new List<string>();
        foreach (string list in r.GetValue(OptionLists) ?? []) settings.ApplyOptionList(list, accepted);
        settings.AcceptedOptions = accepted;
        return settings;
    }

    /// <summary>The options as given, for `bucketfs list`: every token but the command and the two arguments.</summary>
    private string OptionsGiven(ParseResult r)
    {
        var arguments = new List<string?> { r.GetValue(SourceArgument), r.GetValue(MountpointArgument) };
        var options = new List<string>();
        foreach (var token in r.Tokens)
        {
            if (token.Type == System.CommandLine.Parsing.TokenType.Command) continue;
            if (token.Type == System.CommandLine.Parsing.TokenType.Argument && arguments.Remove(token.Value)) continue;
            options.Add(token.Value);
        }
        return string.Join(' ', options);
    }

    private static T? Value<T>(ParseResult r, Option<string?> option, Func<string, string, T> parse) where T : class =>
        r.GetValue(option) is { } text ? parse(option.Name, text) : null;

    private static T? Number<T>(ParseResult r, Option<string?> option, Func<string, string, T> parse) where T : struct =>
        r.GetValue(option) is { } text ? parse(option.Name, text) : null;

    private string MountpointPath(string text) =>
        text.Length > 0 ? Path.GetFullPath(text) : throw new UsageException($"{MountpointArgument.Name} '': expected a directory");
}
