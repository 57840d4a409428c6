using Bucketfs.Fuse.Protocol;

namespace Bucketfs.Fuse.Session;

/// <summary>Decodes a request's arguments and calls the filesystem method for its opcode.</summary>
internal sealed class RequestDispatcher(IFuseFileSystem fs)
{
    private const uint GetAttrByHandle = 1;
    private const uint FsyncDataOnly = 1;

    public unsafe ValueTask Dispatch(FuseRequest r)
    {
        ulong node = r.NodeId;
        switch (r.Opcode)
        {
            case FuseOpcode.Lookup:
                return fs.Lookup(r, node, r.Name(0, out _));
            case FuseOpcode.GetAttr:
            {
                ref readonly var a = ref r.Arg<GetAttrIn>();
                return fs.GetAttr(r, node, (a.GetAttrFlags & GetAttrByHandle) != 0 ? a.Fh : null);
            }
            case FuseOpcode.SetAttr:
            {
                ref readonly var a = ref r.Arg<SetAttrIn>();
                return fs.SetAttr(r, node, new SetAttrRequest(
                    a.Valid, (a.Valid & SetAttrValid.Handle) != 0 ? a.Fh : null, a.Size, a.Mode, a.Uid, a.Gid,
                    new UnixTime((long)a.Atime, a.AtimeNsec), new UnixTime((long)a.Mtime, a.MtimeNsec), new UnixTime((long)a.Ctime, a.CtimeNsec)));
            }
            case FuseOpcode.ReadLink:
                return fs.ReadLink(r, node);
            case FuseOpcode.Symlink:
            {
                var name = r.Name(0, out int next);
                return fs.Symlink(r, node, name, r.Name(next, out _));
            }
            case FuseOpcode.MkNod:
            {
                ref readonly var a = ref r.Arg<MknodIn>();
                return fs.MkNod(r, node, r.Name(sizeof(MknodIn), out _), a.Mode, a.Rdev, a.Umask);
            }
            case FuseOpcode.MkDir:
            {
                ref readonly var a = ref r.Arg<MkdirIn>();
                return fs.MkDir(r, node, r.Name(sizeof(MkdirIn), out _), a.Mode, a.Umask);
            }
            case FuseOpcode.Unlink:
                return fs.Unlink(r, node, r.Name(0, out _));
            case FuseOpcode.RmDir:
                return fs.RmDir(r, node, r.Name(0, out _));
            case FuseOpcode.Rename:
            {
                ulong newDir = r.Arg<ulong>();
                var name = r.Name(sizeof(ulong), out int next);
                return fs.Rename(r, node, name, newDir, r.Name(next, out _), 0);
            }
            case FuseOpcode.Rename2:
            {
                ref readonly var a = ref r.Arg<Rename2In>();
                var name = r.Name(sizeof(Rename2In), out int next);
                return fs.Rename(r, node, name, a.NewDir, r.Name(next, out _), a.Flags);
            }
            case FuseOpcode.Link:
            {
                ulong oldNode = r.Arg<ulong>();
                return fs.Link(r, oldNode, node, r.Name(sizeof(ulong), out _));
            }
            case FuseOpcode.Open:
                return fs.Open(r, node, (int)r.Arg<OpenIn>().Flags);
            case FuseOpcode.Create:
            {
                ref readonly var a = ref r.Arg<CreateIn>();
                return fs.Create(r, node, r.Name(sizeof(CreateIn), out _), a.Mode, a.Umask, (int)a.Flags);
            }
            case FuseOpcode.Read:
            {
                ref readonly var a = ref r.Arg<ReadIn>();
                return fs.Read(r, node, a.Fh, (long)a.Offset, (int)Math.Min(a.Size, (uint)(r.Capacity - 16)));
            }
            case FuseOpcode.Write:
            {
                ref readonly var a = ref r.Arg<WriteIn>();
                return fs.Write(r, node, a.Fh, (long)a.Offset, r.Data(sizeof(WriteIn), (int)a.Size), a.WriteFlags);
            }
            case FuseOpcode.StatFs:
                return fs.StatFs(r, node);
            case FuseOpcode.Release:
            {
                ref readonly var a = ref r.Arg<ReleaseIn>();
                return fs.Release(r, node, a.Fh, (int)a.Flags);
            }
            case FuseOpcode.Fsync:
            {
                ref readonly var a = ref r.Arg<FsyncIn>();
                return fs.Fsync(r, node, a.Fh, (a.FsyncFlags & FsyncDataOnly) != 0);
            }
            case FuseOpcode.SetXattr:
            {
                ref readonly var a = ref r.Arg<SetXattrIn>();
                var name = r.Name(sizeof(SetXattrIn), out int next);
                return fs.SetXattr(r, node, name, r.Data(next, (int)a.Size), (int)a.Flags);
            }
            case FuseOpcode.GetXattr:
            {
                ref readonly var a = ref r.Arg<GetXattrIn>();
                return fs.GetXattr(r, node, r.Name(sizeof(GetXattrIn), out _), (int)a.Size);
            }
            case FuseOpcode.ListXattr:
                return fs.ListXattr(r, node, (int)r.Arg<GetXattrIn>().Size);
            case FuseOpcode.RemoveXattr:
                return fs.RemoveXattr(r, node, r.Name(0, out _));
            case FuseOpcode.Flush:
            {
                ref readonly var a = ref r.Arg<FlushIn>();
                return fs.Flush(r, node, a.Fh, a.LockOwner);
            }
            case FuseOpcode.OpenDir:
                return fs.OpenDir(r, node, (int)r.Arg<OpenIn>().Flags);
            case FuseOpcode.ReadDir:
            case FuseOpcode.ReadDirPlus:
            {
                ref readonly var a = ref r.Arg<ReadIn>();
                bool plus = r.Opcode == FuseOpcode.ReadDirPlus;
                r.Directory.Reset((int)a.Size, plus);
                return fs.ReadDir(r, node, a.Fh, a.Offset, plus);
            }
            case FuseOpcode.ReleaseDir:
                return fs.ReleaseDir(r, node, r.Arg<ReleaseIn>().Fh);
            case FuseOpcode.FsyncDir:
            {
                ref readonly var a = ref r.Arg<FsyncIn>();
                return fs.FsyncDir(r, node, a.Fh, (a.FsyncFlags & FsyncDataOnly) != 0);
            }
            case FuseOpcode.Access:
                return fs.Access(r, node, (int)r.Arg<AccessIn>().Mask);
            case FuseOpcode.Fallocate:
            {
                ref readonly var a = ref r.Arg<FallocateIn>();
                return fs.Fallocate(r, node, a.Fh, (long)a.Offset, (long)a.Length, (int)a.Mode);
            }
            case FuseOpcode.Lseek:
            {
                ref readonly var a = ref r.Arg<LseekIn>();
                return fs.Lseek(r, node, a.Fh, (long)a.Offset, (int)a.Whence);
            }
            case FuseOpcode.Destroy:
                fs.Destroy();
                return r.ReplyOk();
            default:
                return r.ReplyNotImplemented();
        }
    }

    /// <summary>Requests that act on handles the caller already holds; allow_root does not refuse them.</summary>
    public static bool UsesOpenHandle(FuseOpcode opcode) => opcode is
        FuseOpcode.Read or FuseOpcode.Write or FuseOpcode.Flush or FuseOpcode.Fsync or FuseOpcode.Release or
        FuseOpcode.ReadDir or FuseOpcode.ReadDirPlus or FuseOpcode.ReleaseDir or FuseOpcode.FsyncDir or
        FuseOpcode.Destroy or FuseOpcode.Lseek;
}
