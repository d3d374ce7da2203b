// Generated from the help output of etcdctl 3.4.23 (ETCDCTL_API=2): the usage texts are part of
// the interface arborctl reproduces byte for byte. Regenerate rather than edit by hand.
#include <map>
#include <string>

#include "cli/help.h"

namespace arbor::cli {

const std::map<std::string, std::string>& help_texts() {
  static const auto* texts = new std::map<std::string, std::string>{
      {"", R"HELP(NAME:
   etcdctl - A simple command line client for etcd.

USAGE:
   etcdctl [global options] command [command options] [arguments...]

VERSION:
   3.4.23

COMMANDS:
   backup          backup an etcd directory
   cluster-health  check the health of the etcd cluster
   mk              make a new key with a given value
   mkdir           make a new directory
   rm              remove a key or a directory
   rmdir           removes the key if it is an empty directory or a key-value pair
   get             retrieve the value of a key
   ls              retrieve a directory
   set             set the value of a key
   setdir          create a new directory or update an existing directory TTL
   update          update an existing key with a given value
   updatedir       update an existing directory
   watch           watch a key for changes
   exec-watch      watch a key for changes and exec an executable
   member          member add, remove and list subcommands
   user            user add, grant and revoke subcommands
   role            role add, grant and revoke subcommands
   auth            overall auth controls
   help, h         Shows a list of commands or help for one command

GLOBAL OPTIONS:
   --debug                          output cURL commands which can be used to reproduce the request
   --no-sync                        don't synchronize cluster information before sending request
   --output simple, -o simple       output response in the given format (simple, `extended` or `json`) (default: "simple")
   --discovery-srv value, -D value  domain name to query for SRV records describing cluster endpoints
   --insecure-discovery             accept insecure SRV records describing cluster endpoints
   --peers value, -C value          DEPRECATED - "--endpoints" should be used instead
   --endpoint value                 DEPRECATED - "--endpoints" should be used instead
   --endpoints value                a comma-delimited list of machine addresses in the cluster (default: "http://127.0.0.1:2379,http://127.0.0.1:4001")
   --cert-file value                identify HTTPS client using this SSL certificate file
   --key-file value                 identify HTTPS client using this SSL key file
   --ca-file value                  verify certificates of HTTPS-enabled servers using this CA bundle
   --username value, -u value       provide username[:password] and prompt if password is not supplied.
   --timeout value                  connection timeout per request (default: 2s)
   --total-timeout value            timeout for the command execution (except watch) (default: 5s)
   --help, -h                       show help
   --version, -v                    print the version
)HELP"},
      {"backup", R"HELP(NAME:
   etcdctl backup - backup an etcd directory

USAGE:
   etcdctl backup [command options]  

OPTIONS:
   --data-dir value        Path to the etcd data dir
   --wal-dir value         Path to the etcd wal dir
   --backup-dir value      Path to the backup dir
   --backup-wal-dir value  Path to the backup wal dir
   --with-v3               Backup v3 backend data
   
)HELP"},
      {"cluster-health", R"HELP(NAME:
   etcdctl cluster-health - check the health of the etcd cluster

USAGE:
   etcdctl cluster-health [command options]  

OPTIONS:
   --forever, -f  forever check the health every 10 second until CTRL+C
   
)HELP"},
      {"mk", R"HELP(NAME:
   etcdctl mk - make a new key with a given value

USAGE:
   etcdctl mk [command options] <key> <value>

OPTIONS:
   --in-order   create in-order key under directory <key>
   --ttl value  key time-to-live in seconds (default: 0)
   
)HELP"},
      {"mkdir", R"HELP(NAME:
   etcdctl mkdir - make a new directory

USAGE:
   etcdctl mkdir [command options] <key>

OPTIONS:
   --ttl value  key time-to-live in seconds (default: 0)
   
)HELP"},
      {"rm", R"HELP(NAME:
   etcdctl rm - remove a key or a directory

USAGE:
   etcdctl rm [command options] <key>

OPTIONS:
   --dir               removes the key if it is an empty directory or a key-value pair
   --recursive, -r     removes the key and all child keys(if it is a directory)
   --with-value value  previous value
   --with-index value  previous index (default: 0)
   
)HELP"},
      {"rmdir", R"HELP(NAME:
   etcdctl rmdir - removes the key if it is an empty directory or a key-value pair

USAGE:
   etcdctl rmdir <key>
)HELP"},
      {"get", R"HELP(NAME:
   etcdctl get - retrieve the value of a key

USAGE:
   etcdctl get [command options] <key>

OPTIONS:
   --sort        returns result in sorted order
   --quorum, -q  require quorum for get request
   
)HELP"},
      {"ls", R"HELP(NAME:
   etcdctl ls - retrieve a directory

USAGE:
   etcdctl ls [command options] [key]

OPTIONS:
   --sort           returns result in sorted order
   --recursive, -r  returns all key names recursively for the given path
   -p               append slash (/) to directories
   --quorum, -q     require quorum for get request
   
)HELP"},
      {"set", R"HELP(NAME:
   etcdctl set - set the value of a key

USAGE:
   etcdctl set [command options] <key> <value>

DESCRIPTION:
   Set sets the value of a key.

   When <value> begins with '-', <value> is interpreted as a flag.
   Insert '--' for workaround:

   $ set -- <key> <value>

OPTIONS:
   --ttl value              key time-to-live in seconds (default: 0)
   --swap-with-value value  previous value
   --swap-with-index value  previous index (default: 0)
   
)HELP"},
      {"setdir", R"HELP(NAME:
   etcdctl setdir - create a new directory or update an existing directory TTL

USAGE:
   etcdctl setdir [command options] <key>

OPTIONS:
   --ttl value  key time-to-live in seconds (default: 0)
   
)HELP"},
      {"update", R"HELP(NAME:
   etcdctl update - update an existing key with a given value

USAGE:
   etcdctl update [command options] <key> <value>

OPTIONS:
   --ttl value  key time-to-live in seconds (default: 0)
   
)HELP"},
      {"updatedir", R"HELP(NAME:
   etcdctl updatedir - update an existing directory

USAGE:
   etcdctl updatedir [command options] <key> <value>

OPTIONS:
   --ttl value  key time-to-live in seconds (default: 0)
   
)HELP"},
      {"watch", R"HELP(NAME:
   etcdctl watch - watch a key for changes

USAGE:
   etcdctl watch [command options] <key>

OPTIONS:
   --forever, -f        forever watch a key until CTRL+C
   --after-index value  watch after the given index (default: 0)
   --recursive, -r      returns all values for key and child keys
   
)HELP"},
      {"exec-watch", R"HELP(NAME:
   etcdctl exec-watch - watch a key for changes and exec an executable

USAGE:
   etcdctl exec-watch [command options] <key> <command> [args...]

OPTIONS:
   --after-index value  watch after the given index (default: 0)
   --recursive, -r      watch all values for key and child keys
   
)HELP"},
      {"member", R"HELP(NAME:
   etcdctl member - member add, remove and list subcommands

USAGE:
   etcdctl member command [command options] [arguments...]

COMMANDS:
   list    enumerate existing cluster members
   add     add a new member to the etcd cluster
   remove  remove an existing member from the etcd cluster
   update  update an existing member in the etcd cluster

OPTIONS:
   --help, -h  show help
   
)HELP"},
      {"member list", R"HELP(NAME:
   etcdctl member list - enumerate existing cluster members

USAGE:
   etcdctl member list  
)HELP"},
      {"member add", R"HELP(NAME:
   etcdctl member add - add a new member to the etcd cluster

USAGE:
   etcdctl member add <name> <peerURL>
)HELP"},
      {"member remove", R"HELP(NAME:
   etcdctl member remove - remove an existing member from the etcd cluster

USAGE:
   etcdctl member remove <memberID>
)HELP"},
      {"member update", R"HELP(NAME:
   etcdctl member update - update an existing member in the etcd cluster

USAGE:
   etcdctl member update <memberID> <peerURLs>
)HELP"},
      {"user", R"HELP(NAME:
   etcdctl user - user add, grant and revoke subcommands

USAGE:
   etcdctl user command [command options] [arguments...]

COMMANDS:
   add     add a new user for the etcd cluster
   get     get details for a user
   list    list all current users
   remove  remove a user for the etcd cluster
   grant   grant roles to an etcd user
   revoke  revoke roles for an etcd user
   passwd  change password for a user

OPTIONS:
   --help, -h  show help
   
)HELP"},
      {"user add", R"HELP(NAME:
   etcdctl user add - add a new user for the etcd cluster

USAGE:
   etcdctl user add <user>
)HELP"},
      {"user get", R"HELP(NAME:
   etcdctl user get - get details for a user

USAGE:
   etcdctl user get <user>
)HELP"},
      {"user list", R"HELP(NAME:
   etcdctl user list - list all current users

USAGE:
   etcdctl user list <user>
)HELP"},
      {"user remove", R"HELP(NAME:
   etcdctl user remove - remove a user for the etcd cluster

USAGE:
   etcdctl user remove <user>
)HELP"},
      {"user grant", R"HELP(NAME:
   etcdctl user grant - grant roles to an etcd user

USAGE:
   etcdctl user grant [command options] <user>

OPTIONS:
   --roles value  List of roles to grant or revoke
   
)HELP"},
      {"user revoke", R"HELP(NAME:
   etcdctl user revoke - revoke roles for an etcd user

USAGE:
   etcdctl user revoke [command options] <user>

OPTIONS:
   --roles value  List of roles to grant or revoke
   
)HELP"},
      {"user passwd", R"HELP(NAME:
   etcdctl user passwd - change password for a user

USAGE:
   etcdctl user passwd <user>
)HELP"},
      {"role", R"HELP(NAME:
   etcdctl role - role add, grant and revoke subcommands

USAGE:
   etcdctl role command [command options] [arguments...]

COMMANDS:
   add     add a new role for the etcd cluster
   get     get details for a role
   list    list all roles
   remove  remove a role from the etcd cluster
   grant   grant path matches to an etcd role
   revoke  revoke path matches for an etcd role

OPTIONS:
   --help, -h  show help
   
)HELP"},
      {"role add", R"HELP(NAME:
   etcdctl role add - add a new role for the etcd cluster

USAGE:
   etcdctl role add <role> 
)HELP"},
      {"role get", R"HELP(NAME:
   etcdctl role get - get details for a role

USAGE:
   etcdctl role get <role>
)HELP"},
      {"role list", R"HELP(NAME:
   etcdctl role list - list all roles

USAGE:
   etcdctl role list  
)HELP"},
      {"role remove", R"HELP(NAME:
   etcdctl role remove - remove a role from the etcd cluster

USAGE:
   etcdctl role remove <role>
)HELP"},
      {"role grant", R"HELP(NAME:
   etcdctl role grant - grant path matches to an etcd role

USAGE:
   etcdctl role grant [command options] <role>

OPTIONS:
   --path value       Path granted for the role to access
   --read             Grant read-only access
   --write            Grant write-only access
   --readwrite, --rw  Grant read-write access
   
)HELP"},
      {"role revoke", R"HELP(NAME:
   etcdctl role revoke - revoke path matches for an etcd role

USAGE:
   etcdctl role revoke [command options] <role>

OPTIONS:
   --path value       Path revoked for the role to access
   --read             Revoke read access
   --write            Revoke write access
   --readwrite, --rw  Revoke read-write access
   
)HELP"},
      {"auth", R"HELP(NAME:
   etcdctl auth - overall auth controls

USAGE:
   etcdctl auth command [command options] [arguments...]

COMMANDS:
   enable   enable auth access controls
   disable  disable auth access controls

OPTIONS:
   --help, -h  show help
   
)HELP"},
      {"auth enable", R"HELP(NAME:
   etcdctl auth enable - enable auth access controls

USAGE:
   etcdctl auth enable  
)HELP"},
      {"auth disable", R"HELP(NAME:
   etcdctl auth disable - disable auth access controls

USAGE:
   etcdctl auth disable  
)HELP"},
      {"help member", R"HELP(NAME:
   etcdctl member - member add, remove and list subcommands

USAGE:
   etcdctl member [arguments...]
)HELP"},
      {"help user", R"HELP(NAME:
   etcdctl user - user add, grant and revoke subcommands

USAGE:
   etcdctl user [arguments...]
)HELP"},
      {"help role", R"HELP(NAME:
   etcdctl role - role add, grant and revoke subcommands

USAGE:
   etcdctl role [arguments...]
)HELP"},
      {"help auth", R"HELP(NAME:
   etcdctl auth - overall auth controls

USAGE:
   etcdctl auth [arguments...]
)HELP"},
  };
  return *texts;
}

}  // namespace arbor::cli
