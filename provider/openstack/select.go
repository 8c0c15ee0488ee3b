package openstack

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/palletops/pallet/provider"
)

// Image is what selection needs to know about a Glance image.
type Image struct {
	ID, Name    string
	Distro      string // os_distro property, lower case
	Version     string // os_version property
	Description string // description property
	Arch        string // architecture property
	LoginUser   string // default_user or os_admin_user property
	MinDiskGB   int
	MinRAMMB    int
}

func (i Image) String() string {
	s := fmt.Sprintf("%s (%s", i.Name, i.ID)
	if i.Distro != "" {
		s += ", os_distro=" + i.Distro
	}
	if i.Version != "" {
		s += ", os_version=" + i.Version
	}
	return s + ")"
}

// Flavor is what selection needs to know about a Nova flavor.
type Flavor struct {
	ID, Name string
	VCPUs    int
	RAMMB    int
	DiskGB   int
}

func (f Flavor) String() string {
	return fmt.Sprintf("%s (%d cores, %d MB, %d GB)", f.Name, f.VCPUs, f.RAMMB, f.DiskGB)
}

// SelectImage picks the one image the template describes. Pins (image_id,
// image_name) must match exactly. Otherwise os_family must equal the
// os_distro property, os_version_matches must match os_version and
// os_description_matches the name or description; an image without
// os_distro/os_version is judged by its name instead, and ranks below
// images that carry the properties. Among the best, the highest version
// wins; several left over is an error, because guessing would make two
// runs pick different images.
func SelectImage(images []Image, t provider.ImageTemplate) (Image, error) {
	if t.ImageID != "" {
		for _, i := range images {
			if i.ID == t.ImageID {
				return i, nil
			}
		}
		return Image{}, fmt.Errorf("no active image with id %q: check `openstack image list`; images: %s", t.ImageID, listImages(images))
	}
	if t.ImageName != "" {
		var hits []Image
		for _, i := range images {
			if i.Name == t.ImageName {
				hits = append(hits, i)
			}
		}
		switch len(hits) {
		case 1:
			return hits[0], nil
		case 0:
			return Image{}, fmt.Errorf("no active image named %q; images: %s", t.ImageName, listImages(images))
		default:
			return Image{}, fmt.Errorf("%d images are named %q: pin one with image_id: %s", len(hits), t.ImageName, listImages(hits))
		}
	}
	if t.OSFamily == "" && t.OSVersionMatches == "" && t.OSDescriptionMatches == "" {
		return Image{}, fmt.Errorf("the group's image template is empty: give os_family (and os_version_matches), image_name or image_id")
	}
	var verRE, descRE *regexp.Regexp
	var err error
	if t.OSVersionMatches != "" {
		if verRE, err = regexp.Compile(t.OSVersionMatches); err != nil {
			return Image{}, fmt.Errorf("os_version_matches %q is not a regular expression: %w", t.OSVersionMatches, err)
		}
	}
	if t.OSDescriptionMatches != "" {
		if descRE, err = regexp.Compile(t.OSDescriptionMatches); err != nil {
			return Image{}, fmt.Errorf("os_description_matches %q is not a regular expression: %w", t.OSDescriptionMatches, err)
		}
	}
	family := strings.ToLower(t.OSFamily)
	best, bestScore := []Image(nil), 0
	for _, i := range images {
		score := 0
		if family != "" {
			switch {
			case i.Distro == family:
				score += 2
			case i.Distro == "" && containsWord(strings.ToLower(i.Name+" "+i.Description), family):
				score++
			default:
				continue
			}
		}
		if verRE != nil {
			switch {
			case i.Version != "" && verRE.MatchString(i.Version):
				score += 2
			case i.Version == "" && verRE.MatchString(i.Name):
				score++
			default:
				continue
			}
		}
		if descRE != nil {
			if !descRE.MatchString(i.Name) && !descRE.MatchString(i.Description) {
				continue
			}
			score++
		}
		if t.OS64Bit != nil && i.Arch != "" && is64Bit(i.Arch) != *t.OS64Bit {
			continue
		}
		switch {
		case score > bestScore:
			best, bestScore = []Image{i}, score
		case score == bestScore:
			best = append(best, i)
		}
	}
	if len(best) == 0 {
		return Image{}, fmt.Errorf("no image matches %s; images: %s (set os_distro/os_version on the image, or pin image_name or image_id)", describeTemplate(t), listImages(images))
	}
	sort.SliceStable(best, func(a, b int) bool { return versionLess(best[b].Version, best[a].Version) })
	top := best[:1]
	for _, i := range best[1:] {
		if !versionLess(i.Version, best[0].Version) {
			top = append(top, i)
		}
	}
	if len(top) > 1 {
		return Image{}, fmt.Errorf("%d images match %s equally well: %s; narrow it with os_description_matches, or pin image_name or image_id", len(top), describeTemplate(t), listImages(top))
	}
	return top[0], nil
}

func is64Bit(arch string) bool {
	switch strings.ToLower(arch) {
	case "x86_64", "amd64", "aarch64", "arm64", "ppc64", "ppc64le", "s390x", "riscv64":
		return true
	}
	return false
}

func containsWord(s, word string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }) {
		if f == word {
			return true
		}
	}
	return false
}

// versionLess compares dotted versions numerically ("9" < "10", "24.04" <
// "24.10"), falling back to string order for non-numbers.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for k := 0; k < len(as) && k < len(bs); k++ {
		x, errx := strconv.Atoi(as[k])
		y, erry := strconv.Atoi(bs[k])
		if errx == nil && erry == nil {
			if x != y {
				return x < y
			}
			continue
		}
		if as[k] != bs[k] {
			return as[k] < bs[k]
		}
	}
	return len(as) < len(bs)
}

func describeTemplate(t provider.ImageTemplate) string {
	var parts []string
	if t.OSFamily != "" {
		parts = append(parts, "os_family="+t.OSFamily)
	}
	if t.OSVersionMatches != "" {
		parts = append(parts, "os_version_matches="+t.OSVersionMatches)
	}
	if t.OSDescriptionMatches != "" {
		parts = append(parts, "os_description_matches="+t.OSDescriptionMatches)
	}
	if t.OS64Bit != nil {
		parts = append(parts, fmt.Sprintf("os_64bit=%v", *t.OS64Bit))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func listImages(images []Image) string {
	if len(images) == 0 {
		return "(none)"
	}
	s := make([]string, len(images))
	for k, i := range images {
		s[k] = i.String()
	}
	return strings.Join(s, "; ")
}

// SelectFlavor picks a flavor for hw: the named one, else the smallest
// (fewest cores, then least RAM, then least disk) that meets hw's minimums
// and the image's min_ram / min_disk.
func SelectFlavor(flavors []Flavor, hw provider.Hardware, img Image) (Flavor, error) {
	if hw.Flavor != "" {
		for _, f := range flavors {
			if f.Name == hw.Flavor || f.ID == hw.Flavor {
				return f, nil
			}
		}
		return Flavor{}, fmt.Errorf("no flavor named %q; flavors: %s", hw.Flavor, listFlavors(flavors))
	}
	minRAM, minDisk := max(hw.MinRAMMB, img.MinRAMMB), max(hw.MinDiskGB, img.MinDiskGB)
	var fit []Flavor
	for _, f := range flavors {
		// Disk 0 flavors are for volume-backed servers; Nova refuses to
		// boot an image on them by default, and pallet boots images.
		// Naming one with flavor: still works, for clouds that allow it.
		if f.DiskGB > 0 && f.VCPUs >= hw.MinCores && f.RAMMB >= minRAM && f.DiskGB >= minDisk {
			fit = append(fit, f)
		}
	}
	if len(fit) == 0 {
		return Flavor{}, fmt.Errorf("no flavor has at least %d cores, %d MB RAM and %d GB disk (the image needs %d MB, %d GB); flavors: %s; lower the hardware minimums or name a flavor",
			hw.MinCores, minRAM, minDisk, img.MinRAMMB, img.MinDiskGB, listFlavors(flavors))
	}
	sort.SliceStable(fit, func(a, b int) bool {
		x, y := fit[a], fit[b]
		if x.VCPUs != y.VCPUs {
			return x.VCPUs < y.VCPUs
		}
		if x.RAMMB != y.RAMMB {
			return x.RAMMB < y.RAMMB
		}
		if x.DiskGB != y.DiskGB {
			return x.DiskGB < y.DiskGB
		}
		return x.Name < y.Name
	})
	return fit[0], nil
}

func listFlavors(flavors []Flavor) string {
	if len(flavors) == 0 {
		return "(none)"
	}
	s := make([]string, len(flavors))
	for k, f := range flavors {
		s[k] = f.String()
	}
	return strings.Join(s, "; ")
}

// osID turns os_distro/os_version into a pallet OS id ("debian-12"), or
// "auto" so the runner detects it on the node.
func osID(img Image) string {
	if img.Distro == "" {
		return "auto"
	}
	if img.Version == "" {
		return img.Distro
	}
	return img.Distro + "-" + img.Version
}

// defaultLoginUser is the conventional cloud-image user per distribution,
// for images that do not say (most do not set default_user).
func defaultLoginUser(distro string) string {
	switch distro {
	case "debian", "ubuntu", "fedora", "centos", "rocky", "almalinux", "alpine", "arch":
		return distro
	case "rhel":
		return "cloud-user"
	}
	return "root"
}
