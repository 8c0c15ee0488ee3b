package openstack

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is one `kind: openstack` entry of pallet.yaml's providers:
//
//	providers:
//	  cloud:
//	    kind: openstack
//	    cloud: mycloud          # clouds.yaml entry; default $OS_CLOUD, else OS_* variables
//	    network: private        # name or id; default: the cloud's choice
//	    floating_ip_pool: public
//	    keep_failed: false      # keep servers that failed to build, for inspection
//
// Credentials never appear here: they stay in clouds.yaml, secure.yaml or
// the environment, where the openstack CLI and Terraform look for them.
type Config struct {
	Kind string `yaml:"kind"`
	// Cloud names a clouds.yaml entry. Empty: $OS_CLOUD, and when that is
	// empty too, the OS_* variables of an openrc file.
	Cloud string `yaml:"cloud"`
	// Region overrides the cloud's region_name.
	Region string `yaml:"region"`
	// Network is the network new servers attach to, by name or id.
	Network string `yaml:"network"`
	// FloatingIPPool, when set, is the external network a floating IP is
	// allocated from for each new server; pallet then connects to it.
	FloatingIPPool string `yaml:"floating_ip_pool"`
	// SecurityGroups for new servers (default: the project's "default").
	SecurityGroups []string `yaml:"security_groups"`
	// KeepFailed keeps servers that failed during Create so they can be
	// inspected; otherwise Create deletes what it made.
	KeepFailed bool `yaml:"keep_failed"`
	// SSHPort is the port sshd listens on in the images used (default 22).
	SSHPort int `yaml:"ssh_port"`
	// CreateTimeout bounds the wait for ACTIVE and for SSH, per server
	// (default 10m), as a Go duration: "90s", "15m".
	CreateTimeout Duration `yaml:"create_timeout"`
}

// Duration is a time.Duration written as "90s" or "10m" in YAML.
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v <= 0 {
		return fmt.Errorf("line %d: %q is not a positive duration: write it like 90s or 10m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

var configKeys = map[string]bool{
	"kind": true, "cloud": true, "region": true, "network": true, "floating_ip_pool": true,
	"security_groups": true, "keep_failed": true, "ssh_port": true, "create_timeout": true,
}

// FromYAML decodes a provider entry (project.ProviderSpec.Node). Unknown
// keys are errors, so a typo such as `floating_ip_poll` does not silently
// do nothing; errors carry the YAML line.
func FromYAML(node *yaml.Node) (*Config, error) {
	if node == nil {
		return nil, fmt.Errorf("openstack provider: no configuration: write at least {kind: openstack}")
	}
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	if node.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: openstack provider must be a mapping like {kind: openstack, cloud: NAME}", node.Line)
	}
	// yaml.v3 offers KnownFields only on a Decoder, not on Node.Decode,
	// so check the keys here, where the line numbers still are.
	for i := 0; i+1 < len(node.Content); i += 2 {
		k := node.Content[i]
		if !configKeys[k.Value] {
			var known []string
			for key := range configKeys {
				known = append(known, key)
			}
			sort.Strings(known)
			return nil, fmt.Errorf("line %d: openstack provider: unknown key %q (known keys: %s)", k.Line, k.Value, strings.Join(known, ", "))
		}
	}
	var c Config
	if err := node.Decode(&c); err != nil {
		return nil, fmt.Errorf("openstack provider: %w", err)
	}
	if c.Kind != "" && c.Kind != "openstack" {
		return nil, fmt.Errorf("line %d: provider kind is %q, not openstack", node.Line, c.Kind)
	}
	if c.SSHPort < 0 || c.SSHPort > 65535 {
		return nil, fmt.Errorf("line %d: ssh_port %d is not a TCP port", node.Line, c.SSHPort)
	}
	return &c, nil
}

func (c *Config) sshPort() int {
	if c.SSHPort == 0 {
		return 22
	}
	return c.SSHPort
}

func (c *Config) createTimeout() time.Duration {
	if c.CreateTimeout == 0 {
		return 10 * time.Minute
	}
	return time.Duration(c.CreateTimeout)
}
