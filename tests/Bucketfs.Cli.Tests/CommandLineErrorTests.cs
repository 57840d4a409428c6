namespace Bucketfs.Cli.Tests;

/// <summary>
/// Every way the command can be asked wrongly that needs no store: a usage error is one line naming
/// the option (exit 2), a mount or unmount that cannot happen one line saying why (exit 1).
/// Arguments in braces stand for places made for each case.
/// </summary>
public sealed class CommandLineErrorTests : IDisposable
{
    private const int Usage = 2, Failure = 1;
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("bucketfs-cli-errors-");

    public void Dispose() => _root.Delete(recursive: true);

    [Theory]
    // System.CommandLine's own errors
    [InlineData(Usage, "--bogus", "mount", "s3://bucket", "{mnt}", "--bogus")]
    [InlineData(Usage, "<mountpoint>", "mount", "s3://bucket")]
    [InlineData(Usage, "<source>", "mount")]
    [InlineData(Usage, "'extra'", "mount", "s3://bucket", "{mnt}", "extra")]
    [InlineData(Usage, "--region", "mount", "s3://bucket", "{mnt}", "--region")]
    [InlineData(Usage, "<mountpoint>", "bucket")]
    [InlineData(Usage, "unknown option --bogus", "changes", "s3://bucket", "--state", "{mnt}/state", "--bogus")]
    [InlineData(Usage, "goes after --", "changes", "s3://bucket", "--state", "{mnt}/state", "wc", "-l")]
    [InlineData(Usage, "'maybe'", "mount", "s3://bucket", "{mnt}", "--read-only=maybe")]
    // values, in the --option form and the s3fs -o form
    [InlineData(Usage, "--region", "mount", "s3://bucket", "{mnt}", "--region", "!!")]
    [InlineData(Usage, "-o endpoint", "bucket", "{mnt}", "-o", "endpoint=!!")]
    [InlineData(Usage, "source", "mount", "s3://a!b", "{mnt}")]
    [InlineData(Usage, "source", "mount", "s3://a b", "{mnt}")]
    [InlineData(Usage, "source", "mount", "s3://ab", "{mnt}")]
    [InlineData(Usage, "source", "mount", "s3://", "{mnt}")]
    // BUCKET:PREFIX (no slash) is an rclone remote now; s3fs's form with nothing after the colon is still wrong, and so is a name valid in no form.
    [InlineData(Usage, "source", "bucket:", "{mnt}")]
    [InlineData(Usage, "source", "b!:prefix", "{mnt}")]
    [InlineData(Usage, "--uid", "mount", "s3://bucket", "{mnt}", "--uid", "no-such-user-bucketfs")]
    [InlineData(Usage, "--uid", "mount", "s3://bucket", "{mnt}", "--uid", "-1")]
    [InlineData(Usage, "-o uid", "bucket", "{mnt}", "-o", "uid=no-such-user-bucketfs")]
    [InlineData(Usage, "--gid", "mount", "s3://bucket", "{mnt}", "--gid", "no-such-group-bucketfs")]
    [InlineData(Usage, "-o gid", "bucket", "{mnt}", "-o", "allow_other,gid=x")]
    [InlineData(Usage, "--memory-limit", "mount", "s3://bucket", "{mnt}", "--memory-limit", "-1")]
    [InlineData(Usage, "--memory-limit", "mount", "s3://bucket", "{mnt}", "--memory-limit", "0")]
    [InlineData(Usage, "--memory-limit", "mount", "s3://bucket", "{mnt}", "--memory-limit", "lots")]
    [InlineData(Usage, "--file-mode", "mount", "s3://bucket", "{mnt}", "--file-mode", "999")]
    [InlineData(Usage, "--dir-mode", "mount", "s3://bucket", "{mnt}", "--dir-mode", "17777")]
    [InlineData(Usage, "-o umask", "bucket", "{mnt}", "-o", "umask=8")]
    [InlineData(Usage, "--metadata-ttl", "mount", "s3://bucket", "{mnt}", "--metadata-ttl", "soon")]
    [InlineData(Usage, "--metadata-ttl", "mount", "s3://bucket", "{mnt}", "--metadata-ttl", "1e400")]
    [InlineData(Usage, "-o stat_cache_expire", "bucket", "{mnt}", "-o", "stat_cache_expire=-1")]
    [InlineData(Usage, "--cache-size", "mount", "s3://bucket", "{mnt}", "--cache-size", "lots")]
    [InlineData(Usage, "--cache-min-free", "mount", "s3://bucket", "{mnt}", "--cache-min-free", "-1G")]
    [InlineData(Usage, "-o cache_size", "bucket", "{mnt}", "-o", "cache_size=0")]
    [InlineData(Usage, "-o ensure_diskfree", "bucket", "{mnt}", "-o", "ensure_diskfree=x")]
    [InlineData(Usage, "--rename-dir-limit", "mount", "s3://bucket", "{mnt}", "--rename-dir-limit", "many")]
    [InlineData(Usage, "--endpoint-url", "mount", "s3://bucket", "{mnt}", "--endpoint-url", "ftp://example.com")]
    [InlineData(Usage, "-o url", "bucket", "{mnt}", "-o", "url=example.com")]
    [InlineData(Usage, "-o url", "bucket", "{mnt}", "-o", "url")]
    [InlineData(Usage, "unknown mount option 'no_such_option'", "bucket", "{mnt}", "-o", "no_such_option")]
    [InlineData(Usage, "mountpoint", "mount", "s3://bucket", "")]
    [InlineData(Usage, "--timeout", "unmount", "{mnt}", "--timeout", "soon")]
    [InlineData(Usage, "--timeout", "unmount", "{mnt}", "--timeout", "-1")]
    [InlineData(Usage, "<directory>", "cache", "status")]
    // copy, sync and changes take the locations and store options mount takes
    [InlineData(Usage, "location 'ftp://host/x'", "copy", "{mnt}", "ftp://host/x")]
    [InlineData(Usage, "location 's3://'", "sync", "s3://", "{mnt}")]
    [InlineData(Usage, "location 'b!:prefix'", "copy", "{mnt}", "b!:prefix")]
    [InlineData(Usage, "location ''", "changes", "", "--state", "{log}")]
    [InlineData(Usage, "--storage-class 'cold'", "copy", "{mnt}", "s3://bucket", "--storage-class", "cold")]
    [InlineData(Usage, "--proxy", "copy", "{mnt}", "s3://bucket", "--proxy", "ftp://proxy")]
    [InlineData(Failure, "rclone remote nosuch not found", "copy", "{mnt}", "nosuch:bucket", "--rclone-config", "{file}")]
    // mounts that cannot happen, found before any store is asked
    [InlineData(Failure, "does not exist", "mount", "s3://bucket", "{missing}", "--log-file", "{log}")]
    [InlineData(Failure, "is not a directory", "mount", "s3://bucket", "{file}", "--log-file", "{log}")]
    [InlineData(Failure, "is not empty", "mount", "s3://bucket", "{full}", "--log-file", "{log}")]
    [InlineData(Failure, "is not empty", "bucket", "{full}", "-o", "logfile={log}")]
    // unmount only takes bucketfs mounts
    [InlineData(Failure, "/proc is not a bucketfs mount (it is proc)", "unmount", "/proc")]
    [InlineData(Failure, "is not a mountpoint", "unmount", "{mnt}")]
    [InlineData(Failure, "is not a mountpoint", "umount", "{missing}")]
    public void IsOneLine(int exitCode, string named, params string[] args)
    {
        var result = BucketfsProcess.Run(_root.FullName, args.Select(Place));

        BucketfsProcess.AssertOneLineError(result, exitCode, named);
    }

    private string Place(string arg)
    {
        string Made(string name) => Path.Combine(_root.FullName, name);
        switch (arg)
        {
            case "{mnt}":
                return Directory.CreateDirectory(Made("mnt")).FullName;
            case "{full}":
                File.WriteAllText(Path.Combine(Directory.CreateDirectory(Made("full")).FullName, "already-here"), "");
                return Made("full");
            case "{file}":
                File.WriteAllText(Made("file"), "");
                return Made("file");
            case "{missing}":
                return Made("missing");
            default:
                return arg.Replace("{log}", Made("bucketfs.log"));
        }
    }
}
