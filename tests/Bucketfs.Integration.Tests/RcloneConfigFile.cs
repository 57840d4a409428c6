using System.Text;

namespace Bucketfs.Integration.Tests;

/// <summary>A temporary rclone config file, deleted on dispose.</summary>
public sealed class RcloneConfigFile : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"rclone-{Guid.NewGuid():N}.conf");

    public RcloneConfigFile(string text) => File.WriteAllText(Path, text + "\n", Encoding.UTF8);

    /// <summary>A remote named <paramref name="remote"/> of type s3 on the store, with its keys, as an rclone user sets one up for Ceph.</summary>
    public static RcloneConfigFile S3Remote(string remote, TestStore store) => new($"""
        [{remote}]
        type = s3
        provider = Ceph
        access_key_id = {store.AccessKey}
        secret_access_key = {store.SecretKey}
        endpoint = {store.Endpoint}
        """);

    public void Dispose() => File.Delete(Path);
}
