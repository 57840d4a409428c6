using System.CommandLine;
using Bucketfs.Cli;

var root = new RootCommand("bucketfs: object storage buckets as ordinary directories, through FUSE");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(UnmountCommand.Create());
return root.Parse(args).Invoke();
