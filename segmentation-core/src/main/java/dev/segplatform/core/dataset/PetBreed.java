package dev.segplatform.core.dataset;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The 37 breeds of the Oxford-IIIT Pet data set with the ids its list files use: CLASS-ID 1..37 in
 * case-insensitive alphabetical order, SPECIES 1 = cat and 2 = dog, BREED-ID 1..12 among cats and
 * 1..25 among dogs. Cat breeds are capitalised and dog breeds are lower case, as in the image names.
 */
public record PetBreed(String name, int classId, int species, int breedId) {

    public static final int CAT = 1;
    public static final int DOG = 2;

    private static final List<String> CATS = List.of("Abyssinian", "Bengal", "Birman", "Bombay",
            "British_Shorthair", "Egyptian_Mau", "Maine_Coon", "Persian", "Ragdoll", "Russian_Blue", "Siamese",
            "Sphynx");
    private static final List<String> DOGS = List.of("american_bulldog", "american_pit_bull_terrier",
            "basset_hound", "beagle", "boxer", "chihuahua", "english_cocker_spaniel", "english_setter",
            "german_shorthaired", "great_pyrenees", "havanese", "japanese_chin", "keeshond", "leonberger",
            "miniature_pinscher", "newfoundland", "pomeranian", "pug", "saint_bernard", "samoyed",
            "scottish_terrier", "shiba_inu", "staffordshire_bull_terrier", "wheaten_terrier", "yorkshire_terrier");

    /** All 37 breeds ordered by class id. */
    public static final List<PetBreed> ALL = buildAll();

    public boolean isCat() {
        return species == CAT;
    }

    private static List<PetBreed> buildAll() {
        List<String> names = new ArrayList<>(CATS);
        names.addAll(DOGS);
        names.sort(Comparator.comparing(n -> n.toLowerCase(java.util.Locale.ROOT)));
        List<PetBreed> all = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            boolean cat = CATS.contains(n);
            int breedId = (cat ? CATS : DOGS).indexOf(n) + 1;
            all.add(new PetBreed(n, i + 1, cat ? CAT : DOG, breedId));
        }
        return List.copyOf(all);
    }
}
