namespace Bucketfs.Cli.Tests;

/// <summary>The operations options and commands (--metrics-addr, --otlp-endpoint, stats, list) asked wrongly, or with nothing mounted.</summary>
public sealed class OperationsCommandLineTests : IDisposable
{
    private const int Usage = 2, Failure = 1;
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("bucketfs-cli-operations-");

    public void Dispose() => _root.Delete(recursive: true);

    [Theory]
    [InlineData(Usage, "--metrics-addr", "--metrics-addr", "9464")]
    [InlineData(Usage, "--metrics-addr", "--metrics-addr", "127.0.0.1:")]
    [InlineData(Usage, "--metrics-addr", "--metrics-addr", "127.0.0.1:0")]
    [InlineData(Usage, "--metrics-addr", "--metrics-addr", "127.0.0.1:70000")]
    [InlineData(Usage, "--metrics-addr", "--metrics-addr", "no host!:9464")]
    [InlineData(Usage, "--otlp-endpoint", "--otlp-endpoint", "collector:4317")]
    public void WrongMetricsOptionIsOneLine(int exitCode, string named, params string[] options)
    {
        string mountpoint = Directory.CreateDirectory(Path.Combine(_root.FullName, "mnt")).FullName;
        var result = BucketfsProcess.Run(_root.FullName, ["mount", "s3://bucket", mountpoint, .. options]);

        BucketfsProcess.AssertOneLineError(result, exitCode, named);
    }

    [Fact]
    public void StatsOfAFolderThatIsNoMountIsOneLine()
    {
        var result = BucketfsProcess.Run(_root.FullName, ["stats", _root.FullName]);

        BucketfsProcess.AssertOneLineError(result, Failure, "is not a mountpoint");
    }

    [Fact]
    public void StatsWithoutAMountpointIsAUsageError()
    {
        var result = BucketfsProcess.Run(_root.FullName, ["stats"]);

        BucketfsProcess.AssertOneLineError(result, Usage, "<mountpoint>");
    }
}
