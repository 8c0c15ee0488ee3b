package openstack

import (
	"crypto/tls"
	"fmt"
	"os"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
)

// authOptions finds credentials like the openstack CLI: a named cloud in
// clouds.yaml (cfg.Cloud, else OS_CLOUD), else OS_* variables. source
// says which, for error messages, and never contains secrets.
func authOptions(cfg *Config, opts Options) (gophercloud.AuthOptions, gophercloud.EndpointOpts, *tls.Config, string, error) {
	cloud := cfg.Cloud
	if cloud == "" {
		cloud = os.Getenv("OS_CLOUD")
	}
	if cloud != "" {
		popts := []clouds.ParseOption{clouds.WithCloudName(cloud)}
		if opts.CloudsFile != "" {
			popts = append(popts, clouds.WithLocations(opts.CloudsFile))
		}
		ao, eo, tlsConfig, err := clouds.Parse(popts...)
		if err != nil {
			// clouds.Parse errors name files and clouds, not secrets.
			return ao, eo, nil, "", fmt.Errorf("openstack: reading cloud %q from clouds.yaml: %w (set cloud: to an entry of clouds.yaml, or OS_CLIENT_CONFIG_FILE to its path)", cloud, err)
		}
		return ao, eo, tlsConfig, fmt.Sprintf("cloud %q", cloud), nil
	}
	ao, err := authFromEnv(os.Getenv)
	if err != nil {
		return ao, gophercloud.EndpointOpts{}, nil, "", err
	}
	eo := gophercloud.EndpointOpts{Region: os.Getenv("OS_REGION_NAME")}
	switch os.Getenv("OS_INTERFACE") {
	case "internal", "internalURL":
		eo.Availability = gophercloud.AvailabilityInternal
	case "admin", "adminURL":
		eo.Availability = gophercloud.AvailabilityAdmin
	}
	return ao, eo, nil, "OS_* environment variables", nil
}

// authFromEnv reads the OS_* variables of an openrc file the way the
// openstack CLI (openstacksdk, keystoneauth) does. gophercloud's
// AuthOptionsFromEnv knows only OS_DOMAIN_NAME/ID and ignores the
// OS_USER_DOMAIN_* and OS_PROJECT_DOMAIN_* that Keystone v3 openrc files
// (Horizon's, devstack's, kolla's) carry, so their users could not log in.
//
//   - the user's domain is OS_USER_DOMAIN_ID, else OS_USER_DOMAIN_NAME;
//     the project's is OS_PROJECT_DOMAIN_ID, else OS_PROJECT_DOMAIN_NAME;
//   - OS_DOMAIN_ID/OS_DOMAIN_NAME fill whichever of those is missing when a
//     project is named, and scope the token to that domain when none is
//     (openstacksdk's _handle_domain_id);
//   - OS_TENANT_ID/OS_TENANT_NAME are the old spellings of OS_PROJECT_*.
//
// A user or project given by name needs its domain: Keystone answers 400
// "Expecting to find domain in project" otherwise, so say which variable
// is missing before asking it.
func authFromEnv(getenv func(string) string) (gophercloud.AuthOptions, error) {
	get := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	authURL := get("OS_AUTH_URL")
	if authURL == "" {
		return gophercloud.AuthOptions{}, fmt.Errorf("openstack: no cloud configured: set cloud: in the provider, or OS_CLOUD, or source an openrc file for OS_* variables (OS_AUTH_URL is not set)")
	}
	ao := gophercloud.AuthOptions{
		IdentityEndpoint:            authURL,
		Username:                    get("OS_USERNAME"),
		UserID:                      get("OS_USER_ID", "OS_USERID"),
		Password:                    getenv("OS_PASSWORD"), // as given: spaces may be part of it
		Passcode:                    get("OS_PASSCODE"),
		ApplicationCredentialID:     get("OS_APPLICATION_CREDENTIAL_ID"),
		ApplicationCredentialName:   get("OS_APPLICATION_CREDENTIAL_NAME"),
		ApplicationCredentialSecret: getenv("OS_APPLICATION_CREDENTIAL_SECRET"),
	}
	projectID := get("OS_PROJECT_ID", "OS_TENANT_ID")
	projectName := get("OS_PROJECT_NAME", "OS_TENANT_NAME")
	domainID, domainName := get("OS_DOMAIN_ID"), get("OS_DOMAIN_NAME")
	userDomainID, userDomainName := get("OS_USER_DOMAIN_ID"), get("OS_USER_DOMAIN_NAME")
	projectDomainID, projectDomainName := get("OS_PROJECT_DOMAIN_ID"), get("OS_PROJECT_DOMAIN_NAME")
	projectScoped := projectID != "" || projectName != ""
	appCred := ao.ApplicationCredentialID != "" || ao.ApplicationCredentialName != ""

	// OS_DOMAIN_* is a shorthand for both domains when a project is named
	// (openstacksdk fills user_domain_* and project_domain_* from it).
	if projectScoped || appCred {
		if userDomainID == "" && userDomainName == "" {
			userDomainID, userDomainName = domainID, domainName
		}
		if projectDomainID == "" && projectDomainName == "" {
			projectDomainID, projectDomainName = domainID, domainName
		}
	}

	switch {
	case appCred:
		if ao.ApplicationCredentialSecret == "" {
			return ao, fmt.Errorf("openstack: OS_APPLICATION_CREDENTIAL_ID or _NAME is set but OS_APPLICATION_CREDENTIAL_SECRET is not")
		}
		if ao.ApplicationCredentialID == "" && ao.UserID == "" && ao.Username == "" {
			return ao, fmt.Errorf("openstack: OS_APPLICATION_CREDENTIAL_NAME needs its user: set OS_USERNAME (and OS_USER_DOMAIN_NAME) or OS_USER_ID, or use OS_APPLICATION_CREDENTIAL_ID")
		}
	case ao.Username == "" && ao.UserID == "":
		return ao, fmt.Errorf("openstack: OS_AUTH_URL is set but neither OS_USERNAME nor OS_USER_ID: source a complete openrc file")
	case ao.Password == "" && ao.Passcode == "":
		return ao, fmt.Errorf("openstack: OS_PASSWORD is not set (or use an application credential: OS_APPLICATION_CREDENTIAL_ID and _SECRET)")
	}

	// The user: by id alone, or by name within its domain.
	if ao.UserID == "" && ao.Username != "" && (!appCred || ao.ApplicationCredentialID == "") {
		switch {
		case userDomainID != "":
			ao.DomainID = userDomainID
		case userDomainName != "":
			ao.DomainName = userDomainName
		default:
			return ao, fmt.Errorf("openstack: OS_USERNAME %q needs its domain for Keystone v3: set OS_USER_DOMAIN_NAME (usually Default) or OS_USER_DOMAIN_ID", ao.Username)
		}
	}
	if ao.UserID != "" {
		ao.Username = "" // an id names the user everywhere
	}

	// The scope. Application credentials carry their own project, and
	// Keystone refuses one asked for beside them.
	switch {
	case appCred:
	case get("OS_SYSTEM_SCOPE") == "all":
		ao.Scope = &gophercloud.AuthScope{System: true}
	case projectID != "":
		ao.Scope = &gophercloud.AuthScope{ProjectID: projectID}
	case projectName != "":
		sc := &gophercloud.AuthScope{ProjectName: projectName}
		switch {
		case projectDomainID != "":
			sc.DomainID = projectDomainID
		case projectDomainName != "":
			sc.DomainName = projectDomainName
		default:
			return ao, fmt.Errorf("openstack: OS_PROJECT_NAME %q needs its domain for Keystone v3: set OS_PROJECT_DOMAIN_NAME (usually Default) or OS_PROJECT_DOMAIN_ID, or give OS_PROJECT_ID instead", projectName)
		}
		ao.Scope = sc
	case domainID != "":
		ao.Scope = &gophercloud.AuthScope{DomainID: domainID}
	case domainName != "":
		ao.Scope = &gophercloud.AuthScope{DomainName: domainName}
	}
	return ao, nil
}
