using System.CommandLine;
using Bucketfs.Cli;
using Bucketfs.Cli.Mount;

var root = new RootCommand("bucketfs: object storage buckets as ordinary directories, through FUSE.\n" +
    "  bucketfs mount s3://BUCKET[/PREFIX] MOUNTPOINT [options]\n" +
    "  bucketfs BUCKET[:/PREFIX] MOUNTPOINT -o opt,opt   (s3fs form, used by mount(8) for fstab lines of type fuse.bucketfs)");
root.Subcommands.Add(MountCommand.Create());
root.Subcommands.Add(UnmountCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(CacheCommand.Create());
new MountCommand().AttachTo(root);
return root.Parse(args).Invoke();
