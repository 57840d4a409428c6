using System.CommandLine;
using Bucketfs.Cli.Mount;
using Bucketfs.Core.Write;

namespace Bucketfs.Cli;

/// <summary>
/// `bucketfs recover list|save|upload|discard`: files a mount did not upload and kept (written but
/// never closed when the daemon died, changed in the bucket meanwhile, or closed with the upload
/// still pending). Nothing kept is uploaded unless the user says so here.
/// </summary>
internal static class RecoverCommand
{
    public static Command Create()
    {
        var command = new Command("recover", "Files a mount kept instead of uploading (see the mount's log), and what to do with them");
        var list = new Command("list", "Every kept or pending file: ID, why, where it belongs, size, when it was staged");
        var listDirectory = CacheDirOption();
        list.Options.Add(listDirectory);
        list.SetAction(result =>
        {
            var files = KeptFiles.List(StagingRoot(result.GetValue(listDirectory)));
            foreach (var f in files)
                Console.WriteLine($"{f.Id}  {f.Why,-21}  {f.Store}{f.Key}  {f.Size} bytes  staged {f.Staged:yyyy-MM-dd HH:mm:ss}Z");
            if (files.Count == 0) Console.WriteLine("nothing kept");
            return 0;
        });
        command.Subcommands.Add(list);
        var destination = new Argument<string>("destination") { Description = "Where to write a copy of the file's data" };
        command.Subcommands.Add(OnOne("save", "Copy a kept file's data to a local path", [destination], (file, result) =>
        {
            KeptFiles.Save(file, result.GetValue(destination)!);
            Console.WriteLine($"saved {file.Key} to {result.GetValue(destination)}");
        }));
        command.Subcommands.Add(OnOne("upload", "Have the next mount of its bucket (with the same --cache-dir) upload it, over what the bucket has", [], (file, _) =>
        {
            KeptFiles.Upload(file);
            Console.WriteLine($"{file.Key} will be uploaded by the next mount of {file.Store}");
        }));
        command.Subcommands.Add(OnOne("discard", "Delete a kept file", [], (file, _) =>
        {
            KeptFiles.Discard(file);
            Console.WriteLine($"discarded {file.Key} ({file.Id})");
        }));
        return command;
    }

    private static Option<string?> CacheDirOption() => new("--cache-dir") { Description = "The mount's --cache-dir (default /var/cache/bucketfs as root, ~/.cache/bucketfs otherwise)" };

    private static string StagingRoot(string? cacheDirectory) => Path.Combine(MountRunner.CacheRoot(cacheDirectory), "staging");

    private static Command OnOne(string name, string description, Argument[] extra, Action<KeptFile, ParseResult> action)
    {
        var id = new Argument<string>("id") { Description = "The file's ID, as `bucketfs recover list` shows it" };
        var directory = CacheDirOption();
        var command = new Command(name, description) { id };
        foreach (var argument in extra) command.Arguments.Add(argument);
        command.Options.Add(directory);
        command.SetAction(result =>
        {
            string wanted = result.GetValue(id)!;
            var file = KeptFiles.List(StagingRoot(result.GetValue(directory))).FirstOrDefault(f => f.Id == wanted && f.Why != KeptFiles.Pending);
            if (file is null)
            {
                Console.Error.WriteLine($"bucketfs: no kept file {wanted} (see bucketfs recover list)");
                return 1;
            }
            try
            {
                action(file, result);
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException)
            {
                Console.Error.WriteLine($"bucketfs: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
