//! Choosing a new customer's data-storage location from its device country.

/// Why a requested storage location cannot be used for a new customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageChoiceError {
    /// The country has a data center and the caller asked for another one.
    CountryHasDataCenter { country_data_center: String },
    /// The country has no data center and the caller chose none.
    ChoiceRequired,
}

impl std::fmt::Display for StorageChoiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CountryHasDataCenter {
                country_data_center,
            } => write!(
                f,
                "The device country has its own data center ({country_data_center}); the storage \
                 location is {country_data_center} and cannot be chosen"
            ),
            Self::ChoiceRequired => {
                f.write_str("The device country has no data center: choose a storage location")
            }
        }
    }
}

/// DOMAIN.md's rule: a country with a data center gets that one (an explicit different choice is
/// an error); a country without one needs an explicit choice. `requested` must already be known
/// to be an existing data center code.
pub fn choose_storage_location(
    country_data_center: Option<&str>,
    requested: Option<&str>,
) -> Result<String, StorageChoiceError> {
    match (country_data_center, requested) {
        (Some(own), None) => Ok(own.to_owned()),
        (Some(own), Some(req)) if req.eq_ignore_ascii_case(own) => Ok(own.to_owned()),
        (Some(own), Some(_)) => Err(StorageChoiceError::CountryHasDataCenter {
            country_data_center: own.to_owned(),
        }),
        (None, Some(req)) => Ok(req.to_ascii_uppercase()),
        (None, None) => Err(StorageChoiceError::ChoiceRequired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_country_with_a_data_center_uses_it() {
        assert_eq!(choose_storage_location(Some("DE"), None), Ok("DE".into()));
        assert_eq!(
            choose_storage_location(Some("DE"), Some("de")),
            Ok("DE".into())
        );
        assert!(matches!(
            choose_storage_location(Some("DE"), Some("NL")),
            Err(StorageChoiceError::CountryHasDataCenter { .. })
        ));
    }

    #[test]
    fn a_country_without_one_needs_a_choice() {
        assert_eq!(choose_storage_location(None, Some("nl")), Ok("NL".into()));
        assert_eq!(
            choose_storage_location(None, None),
            Err(StorageChoiceError::ChoiceRequired)
        );
    }
}
